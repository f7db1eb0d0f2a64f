package dev.skein.it.reliability;

import dev.skein.it.support.FreePorts;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A loopback TCP forwarder that a test can cut (every connection closed, new ones refused) and
 * restore on the same port: a network partition between one agent and a running etcd.
 */
final class TcpProxy implements AutoCloseable {
  private final int port = FreePorts.next();
  private final int target;
  private final List<Socket> open = new CopyOnWriteArrayList<>();
  private volatile ServerSocket server;

  TcpProxy(int target) throws IOException {
    this.target = target;
    restore();
  }

  String endpoint() {
    return "http://127.0.0.1:" + port;
  }

  /** Closes every connection and stops accepting: connects are refused until {@link #restore}. */
  synchronized void cut() throws IOException {
    if (server != null) {
      server.close();
      server = null;
    }
    for (Socket s : open) {
      s.close();
    }
    open.clear();
  }

  synchronized void restore() throws IOException {
    if (server != null) {
      return;
    }
    ServerSocket s = new ServerSocket();
    s.setReuseAddress(true);
    s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 50);
    server = s;
    daemon(() -> accept(s), "proxy-accept-" + port);
  }

  private void accept(ServerSocket s) {
    try {
      while (true) {
        Socket in = s.accept();
        Socket out = new Socket(InetAddress.getLoopbackAddress(), target);
        in.setTcpNoDelay(true);
        out.setTcpNoDelay(true);
        open.add(in);
        open.add(out);
        daemon(() -> pump(in, out), "proxy-up-" + port);
        daemon(() -> pump(out, in), "proxy-down-" + port);
      }
    } catch (IOException e) {
      // cut or closed
    }
  }

  private static void pump(Socket from, Socket to) {
    byte[] buf = new byte[16 * 1024];
    try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
      for (int n; (n = in.read(buf)) >= 0; ) {
        out.write(buf, 0, n);
      }
    } catch (IOException e) {
      // one side closed
    } finally {
      try {
        from.close();
        to.close();
      } catch (IOException ignored) {
        // already closed
      }
    }
  }

  private static void daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    t.start();
  }

  @Override
  public void close() throws IOException {
    cut();
  }
}
