package dev.skein.bootstrap;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * TCP_NODELAY on the sockets of the mesh's TLS connections, as Envoy sets it on all of its own. A
 * TLS handshake is several small writes in a row; with Nagle's algorithm on, the second waits for
 * the ACK of the first, which the peer delays by up to 40 ms: tens of milliseconds per new mesh
 * connection on a client or server that leaves Nagle on (the JDK's {@code HttpServer},
 * {@code HttpURLConnection} and OkHttp do). Plain-text connections are left as the application made them.
 */
public final class MeshSockets {
  private MeshSockets() {}

  /** Turns Nagle off on {@code socket}; a socket that refuses keeps its setting. */
  public static void noDelay(Socket socket) {
    try {
      if (socket != null && !socket.getTcpNoDelay()) {
        socket.setTcpNoDelay(true);
      }
    } catch (SocketException | UnsupportedOperationException e) {
      // A closed or exotic socket: the handshake then runs with Nagle, slower but correct.
    }
  }

  /**
   * The client side of a mesh TLS connection over a socket a library has just connected: TLS 1.3
   * from the mesh's client context, handshaken before anything is written. A failed handshake is
   * counted as a refusal and thrown (the mesh's TLS fails closed).
   *
   * @param library names the client in the refusal's reason
   */
  public static SSLSocket clientHandshake(SSLContext mesh, Socket socket, String host, int port, String library) throws IOException {
    noDelay(socket);
    SSLSocket tls = (SSLSocket) mesh.getSocketFactory().createSocket(socket, host, port, true);
    try {
      MeshCipherSuites.apply(tls); // TLS 1.3, AES-128-GCM first
      tls.setUseClientMode(true);
      tls.startHandshake();
      return tls;
    } catch (IOException | RuntimeException e) {
      Bridge.tlsRefused("client", library + " TLS handshake failed: " + e);
      try {
        tls.close();
      } catch (IOException ignored) {
        // failing anyway
      }
      throw e;
    } catch (Throwable t) {
      AgentFaults.record("client-mtls", t);
      throw new IOException(t);
    }
  }

  /** {@code factory}, turning Nagle off on every socket it makes or layers TLS over. */
  public static SSLSocketFactory noDelay(SSLSocketFactory factory) {
    return new NoDelayFactory(factory);
  }

  private static final class NoDelayFactory extends SSLSocketFactory {
    private final SSLSocketFactory delegate;

    NoDelayFactory(SSLSocketFactory delegate) {
      this.delegate = delegate;
    }

    private static Socket set(Socket socket) {
      noDelay(socket);
      return socket;
    }

    @Override
    public String[] getDefaultCipherSuites() {
      return delegate.getDefaultCipherSuites();
    }

    @Override
    public String[] getSupportedCipherSuites() {
      return delegate.getSupportedCipherSuites();
    }

    @Override
    public Socket createSocket(Socket socket, String host, int port, boolean autoClose) throws IOException {
      noDelay(socket);
      return delegate.createSocket(socket, host, port, autoClose);
    }

    @Override
    public Socket createSocket(Socket socket, InputStream consumed, boolean autoClose) throws IOException {
      noDelay(socket);
      return delegate.createSocket(socket, consumed, autoClose);
    }

    @Override
    public Socket createSocket() throws IOException {
      return delegate.createSocket(); // not connected yet: the option is set once it is layered or connected
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
      return set(delegate.createSocket(host, port));
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
      return set(delegate.createSocket(host, port, localHost, localPort));
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
      return set(delegate.createSocket(host, port));
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort) throws IOException {
      return set(delegate.createSocket(address, port, localAddress, localPort));
    }
  }
}
