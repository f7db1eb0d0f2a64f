package dev.skein.instrumentation.undertow.inbound;

import dev.skein.bootstrap.AgentFaults;
import dev.skein.bootstrap.Bridge;
import dev.skein.bootstrap.MeshServerTls;
import io.undertow.Undertow;
import io.undertow.connector.PooledByteBuffer;
import io.undertow.server.protocol.http.HttpOpenListener;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.util.Collections;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.Executor;
import javax.net.ssl.SSLEngine;
import org.xnio.ChannelListener;
import org.xnio.IoUtils;
import org.xnio.StreamConnection;
import org.xnio.conduits.ConduitStreamSourceChannel;
import org.xnio.ssl.SslConnection;

/**
 * Mesh mutual TLS on a plain-text Undertow listener's own port. Each new connection's first byte
 * is read (on its I/O thread, waiting without blocking when nothing arrived yet) before the
 * listener's {@code HttpOpenListener} gets it: a TLS handshake record puts the byte back ({@link FirstByteConduit}) and wraps
 * the connection in Undertow's own {@code UndertowSslConnection} with the mesh's engine (the
 * request's {@code SSLSessionInfo} then holds the client's certificate); plain text goes to the
 * listener with the byte as already-read data; under STRICT plain text is closed unanswered.
 */
public final class UndertowMeshTls implements ChannelListener<ConduitStreamSourceChannel> {
  private static final Set<Object> MESHED = Collections.synchronizedSet(Collections.newSetFromMap(new WeakHashMap<>()));
  private static volatile Constructor<?> sslConnection;
  private final HttpOpenListener listener;
  private final StreamConnection connection;

  private UndertowMeshTls(HttpOpenListener listener, StreamConnection connection) {
    this.listener = listener;
    this.connection = connection;
  }

  /** After {@code Undertow.start}, before its listeners register: plain-text HTTP listeners take the mesh's TLS. */
  public static void started(Undertow server) {
    try {
      Field open = Undertow.ListenerInfo.class.getDeclaredField("openListener");
      open.setAccessible(true);
      for (Undertow.ListenerInfo info : server.getListenerInfo()) {
        if ("http".equals(info.getProtcol()) && open.get(info) instanceof HttpOpenListener http) {
          if (sslConnection == null) {
            Constructor<?> c =
                Class.forName("io.undertow.protocols.ssl.UndertowSslConnection", false, Undertow.class.getClassLoader()).getDeclaredConstructor(
                    StreamConnection.class, SSLEngine.class, io.undertow.connector.ByteBufferPool.class, Executor.class);
            c.setAccessible(true);
            sslConnection = c;
          }
          if (Bridge.meshTlsCapable(info)) {
            MESHED.add(http);
          }
        }
      }
    } catch (Throwable t) {
      AgentFaults.record("undertow-tls", t);
    }
  }

  /**
   * At {@code HttpOpenListener.handleEvent(connection)}: takes a new connection of a meshed listener over.
   *
   * @return {@code true} when taken over: the listener gets the connection later, set up
   */
  public static boolean accepted(Object listener, StreamConnection connection) {
    if (!MESHED.contains(listener)) {
      return false;
    }
    try {
      if (!MeshServerTls.mustPeek()) {
        return false;
      }
      new UndertowMeshTls((HttpOpenListener) listener, connection).decide();
    } catch (Throwable t) {
      AgentFaults.record("undertow-tls", t);
      IoUtils.safeClose(connection);
    }
    return true;
  }

  @Override
  public void handleEvent(ConduitStreamSourceChannel source) {
    try {
      decide();
    } catch (Throwable t) {
      AgentFaults.record("undertow-tls", t);
      IoUtils.safeClose(connection);
    }
  }

  private void decide() throws Exception {
    ConduitStreamSourceChannel source = connection.getSourceChannel();
    ByteBuffer one = ByteBuffer.allocate(1);
    int n = source.read(one);
    if (n == 0) {
      source.getReadSetter().set(this);
      source.resumeReads();
      return;
    }
    source.getReadSetter().set(null);
    source.suspendReads();
    if (n < 0) {
      IoUtils.safeClose(connection);
      return;
    }
    byte first = one.get(0);
    MeshServerTls.Choice choice = MeshServerTls.choose(first & 0xff, "undertow");
    if (choice == MeshServerTls.Choice.PLAIN) {
      PooledByteBuffer read = listener.getBufferPool().allocate();
      read.getBuffer().clear();
      read.getBuffer().put(first).flip();
      listener.handleEvent(connection, read);
      return;
    }
    SSLEngine engine = choice == MeshServerTls.Choice.TLS ? MeshServerTls.serverEngine() : null;
    if (engine == null) {
      IoUtils.safeClose(connection);
      return;
    }
    source.setConduit(new FirstByteConduit(source.getConduit(), first));
    SslConnection secure = (SslConnection) sslConnection.newInstance(connection, engine, listener.getBufferPool(), null);
    listener.handleEvent(secure, null);
  }
}
