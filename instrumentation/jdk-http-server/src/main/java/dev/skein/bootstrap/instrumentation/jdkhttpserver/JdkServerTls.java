package dev.skein.bootstrap.instrumentation.jdkhttpserver;

import dev.skein.bootstrap.AgentFaults;
import dev.skein.bootstrap.Bridge;
import dev.skein.bootstrap.MeshCipherSuites;
import dev.skein.bootstrap.MeshSockets;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.SequenceInputStream;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * Mutual TLS on a JDK {@code HttpServer}'s own port. The server's {@code ServerImpl} is switched to
 * its HTTPS flavour before it starts (so each exchange is an {@code HttpsExchange}, whose
 * {@code getSSLSession()} is the mesh session, or {@code null} for plain text), and each new
 * connection is set up here before {@code ServerImpl.Exchange.run} reads it: the first byte tells
 * a TLS handshake record (0x16) from plain text; TLS goes through an {@link SSLSocket} layered over
 * the connection's socket, plain text through the server's own streams. Under STRICT, plain text is
 * closed unanswered; so is a TLS handshake that fails (no certificate, a foreign CA).
 *
 * <p>{@code sun.net.httpserver} is reached by reflection (the agent opens the package to this class).
 */
public final class JdkServerTls {
  private static final int TLS_HANDSHAKE = 0x16;
  private static final int HANDSHAKE_TIMEOUT_MS = 10_000;
  private static final Map<Object, Boolean> MESHED = Collections.synchronizedMap(new WeakHashMap<>());
  private static volatile Internals internals;

  private JdkServerTls() {}

  /** Before {@code HttpServerImpl.start}: takes the server's new connections over when mesh TLS may apply. */
  public static void starting(Object httpServer, Object serverImpl) {
    try {
      if (serverImpl == null || !Bridge.meshTlsCapable(httpServer)) {
        return;
      }
      Field https = serverImpl.getClass().getDeclaredField("https");
      https.setAccessible(true);
      internals(serverImpl); // fail here, not on the first connection
      https.setBoolean(serverImpl, true);
      MESHED.put(serverImpl, Boolean.TRUE);
    } catch (Throwable t) {
      AgentFaults.record("jdk-http-server-tls", t);
    }
  }

  // Handshakes wait for the peer most of the time: on the application's executor (or, with the
  // default executor, on the server's only dispatcher thread) a burst of them would hold the
  // threads that serve the connections already open. Bounded; past it, the executor does them.
  private static final ThreadPoolExecutor HANDSHAKES =
      new ThreadPoolExecutor(
          0, 64, 30, TimeUnit.SECONDS, new SynchronousQueue<>(),
          r -> {
            Thread t = new Thread(r, "skein-tls-handshake");
            t.setDaemon(true);
            return t;
          });

  /**
   * At {@code ServerImpl.Dispatcher.handle}, before the connection goes to the application's
   * executor: a new connection of a meshed server that may be TLS is set up on the agent's
   * handshake threads instead, then handed to {@code handle} again (which then finds it set up).
   *
   * @return {@code true} when the connection was taken over ({@code handle} is then skipped)
   */
  public static boolean handOff(Object dispatcher, Object serverImpl, SocketChannel chan, Object connection) {
    Internals in = internals;
    if (in == null || !MESHED.containsKey(serverImpl)) {
      return false;
    }
    try {
      if (in.context.get(connection) != null || (Bridge.inboundTls() == null && Bridge.inboundPlaintextAllowed())) {
        return false; // kept alive, or plain text only: nothing here blocks
      }
      String protocol = (String) in.protocol.get(serverImpl);
      HANDSHAKES.execute(
          () -> {
            exchange(serverImpl, connection, chan, protocol);
            try {
              in.handle.invoke(dispatcher, chan, connection);
            } catch (Throwable t) {
              AgentFaults.record("jdk-http-server-tls", t);
              try {
                chan.close();
              } catch (IOException ignored) {
                // dropping it anyway
              }
            }
          });
      return true;
    } catch (RejectedExecutionException busy) {
      return false; // the application's executor sets it up, as before
    } catch (Throwable t) {
      AgentFaults.record("jdk-http-server-tls", t);
      return false;
    }
  }

  /** At the start of {@code ServerImpl.Exchange.run}: sets up a new connection of a meshed server. */
  public static void exchange(Object serverImpl, Object connection, SocketChannel chan, String protocol) {
    if (!MESHED.containsKey(serverImpl)) {
      return;
    }
    Internals in = internals;
    boolean consumed = false;
    try {
      if (in.context.get(connection) != null) {
        return; // a kept-alive connection: already set up
      }
      SSLContext tls = Bridge.inboundTls();
      boolean plaintext = Bridge.inboundPlaintextAllowed();
      int first = -1;
      if (tls != null || !plaintext) {
        ByteBuffer one = ByteBuffer.allocate(1);
        consumed = true;
        if (chan.read(one) < 0) {
          refuse(in, serverImpl, connection, chan, protocol, null);
          return;
        }
        first = one.get(0) & 0xff;
      }
      if (first == TLS_HANDSHAKE) {
        if (tls == null) {
          refuse(in, serverImpl, connection, chan, protocol, "a TLS handshake, but this workload takes plain text only");
        } else {
          secure(in, serverImpl, connection, chan, protocol, tls);
        }
      } else if (!plaintext) {
        refuse(in, serverImpl, connection, chan, protocol, "plain text under PeerAuthentication STRICT");
      } else {
        plain(in, serverImpl, connection, chan, protocol, first < 0 ? new byte[0] : new byte[] {(byte) first});
      }
    } catch (Throwable t) {
      AgentFaults.record("jdk-http-server-tls", t);
      try {
        if (consumed || !Bridge.inboundPlaintextAllowed()) {
          refuse(in, serverImpl, connection, chan, protocol, null);
        } else {
          plain(in, serverImpl, connection, chan, protocol, new byte[0]);
        }
      } catch (Throwable again) {
        AgentFaults.record("jdk-http-server-tls", again);
      }
    }
  }

  private static void plain(Internals in, Object server, Object connection, SocketChannel chan, String protocol, byte[] prefix)
      throws Exception {
    InputStream read = (InputStream) in.readStream.newInstance(server, chan);
    if (prefix.length > 0) {
      read = new SequenceInputStream(new ByteArrayInputStream(prefix), read);
    }
    InputStream rawin = new BufferedInputStream(read);
    OutputStream rawout = new BufferedOutputStream((OutputStream) in.writeStream.newInstance(server, chan));
    in.setParameters.invoke(connection, rawin, rawout, chan, null, null, null, protocol, in.placeholder(server), rawin);
  }

  private static void secure(Internals in, Object server, Object connection, SocketChannel chan, String protocol, SSLContext tls)
      throws Exception {
    Socket socket = chan.socket();
    MeshSockets.noDelay(socket);
    SSLSocket ssl =
        (SSLSocket) tls.getSocketFactory().createSocket(socket, new ByteArrayInputStream(new byte[] {TLS_HANDSHAKE}), true);
    MeshCipherSuites.apply(ssl); // TLS 1.3, AES-128-GCM first
    ssl.setNeedClientAuth(true);
    try {
      socket.setSoTimeout(HANDSHAKE_TIMEOUT_MS);
      ssl.startHandshake();
      socket.setSoTimeout(0);
    } catch (IOException e) {
      refuse(in, server, connection, chan, protocol, "TLS handshake failed: " + e.getMessage());
      return;
    }
    InputStream rawin = QuietClose.of(new BufferedInputStream(ssl.getInputStream()));
    OutputStream rawout = QuietClose.of(new BufferedOutputStream(ssl.getOutputStream()));
    in.setParameters.invoke(connection, rawin, rawout, chan, new SessionEngine(ssl), null, tls, protocol, in.placeholder(server), rawin);
  }

  /** Closes the connection; {@code Exchange.run} then reads end-of-stream and drops it quietly. */
  private static void refuse(Internals in, Object server, Object connection, SocketChannel chan, String protocol, String reason)
      throws Exception {
    if (reason != null) {
      Bridge.tlsRefused("server", reason);
    }
    try {
      chan.close();
    } catch (IOException ignored) {
      // closing anyway
    }
    InputStream empty = new ByteArrayInputStream(new byte[0]);
    in.setParameters.invoke(connection, empty, OutputStream.nullOutputStream(), chan, null, null, null, protocol, in.placeholder(server), empty);
  }

  private static Internals internals(Object serverImpl) throws Exception {
    Internals in = internals;
    if (in == null) {
      in = new Internals(serverImpl.getClass());
      internals = in;
    }
    return in;
  }

  /** The package-private parts of {@code sun.net.httpserver} this class uses (Java 11 to 25). */
  private static final class Internals {
    final Field context;
    final Method setParameters;
    final Constructor<?> readStream;
    final Constructor<?> writeStream;
    final Constructor<?> contextImpl;
    final Field protocol;
    final Method handle;

    Internals(Class<?> serverImpl) throws Exception {
      ClassLoader loader = serverImpl.getClassLoader();
      Class<?> connection = Class.forName("sun.net.httpserver.HttpConnection", false, loader);
      protocol = serverImpl.getDeclaredField("protocol");
      protocol.setAccessible(true);
      Class<?> dispatcher = Class.forName("sun.net.httpserver.ServerImpl$Dispatcher", false, loader);
      handle = dispatcher.getDeclaredMethod("handle", SocketChannel.class, connection);
      handle.setAccessible(true);
      Class<?> contextClass = Class.forName("sun.net.httpserver.HttpContextImpl", false, loader);
      Class<?> sslStreams = Class.forName("sun.net.httpserver.SSLStreams", false, loader);
      Class<?> handler = Class.forName("com.sun.net.httpserver.HttpHandler", false, loader);
      context = connection.getDeclaredField("context");
      setParameters =
          connection.getDeclaredMethod(
              "setParameters", InputStream.class, OutputStream.class, SocketChannel.class, javax.net.ssl.SSLEngine.class,
              sslStreams, SSLContext.class, String.class, contextClass, InputStream.class);
      readStream = Class.forName("sun.net.httpserver.Request$ReadStream", false, loader).getDeclaredConstructor(serverImpl, SocketChannel.class);
      writeStream = Class.forName("sun.net.httpserver.Request$WriteStream", false, loader).getDeclaredConstructor(serverImpl, SocketChannel.class);
      contextImpl = contextClass.getDeclaredConstructor(String.class, String.class, handler, serverImpl);
      context.setAccessible(true);
      setParameters.setAccessible(true);
      readStream.setAccessible(true);
      writeStream.setAccessible(true);
      contextImpl.setAccessible(true);
    }

    /** A context for the connection until its first request finds the real one (the JDK's test for "set up"). */
    Object placeholder(Object server) throws Exception {
      return contextImpl.newInstance("http", "/", null, server);
    }
  }
}
