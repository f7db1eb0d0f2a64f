package dev.skein.instrumentation.tomcat.inbound;

import dev.skein.bootstrap.AgentFaults;
import dev.skein.bootstrap.Bridge;
import dev.skein.bootstrap.MeshServerTls;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.Collections;
import java.util.Set;
import java.util.WeakHashMap;
import javax.net.ssl.SSLEngine;
import org.apache.catalina.connector.Connector;
import org.apache.tomcat.util.net.Nio2Endpoint;
import org.apache.tomcat.util.net.NioChannel;
import org.apache.tomcat.util.net.NioEndpoint;
import org.apache.tomcat.util.net.SocketEvent;
import org.apache.tomcat.util.net.SocketWrapperBase;

/**
 * Mesh mutual TLS on a plain-text Tomcat NIO connector's own port. Before a new connection's first
 * request is processed (on a worker thread, once the connection is readable) its first byte is
 * read: a TLS handshake record swaps the connection's channel for a {@link MeshTlsNioChannel}
 * (Tomcat's own TLS channel, with the mesh's engine), plain text is pushed back into the
 * connection's read buffer and served as before, and under STRICT plain text is closed unanswered.
 * The endpoint's channel pool is turned off, so a TLS channel is never handed to another connection.
 * A plain-text NIO2 connector is set up here too and served by {@link TomcatNio2MeshTls}.
 */
public final class TomcatMeshTls {
  private static final Set<Object> MESHED = Collections.synchronizedSet(Collections.newSetFromMap(new WeakHashMap<>()));
  private static final Set<Object> DECIDED = Collections.synchronizedSet(Collections.newSetFromMap(new WeakHashMap<>()));
  private static volatile Method resetSocket;

  private TomcatMeshTls() {}

  /** After the connector started, before it registers: a plain-text NIO or NIO2 connector takes the mesh's TLS. */
  public static void connectorStarted(Connector connector) {
    try {
      Method getEndpoint = org.apache.coyote.AbstractProtocol.class.getDeclaredMethod("getEndpoint");
      getEndpoint.setAccessible(true);
      Object endpoint = getEndpoint.invoke(connector.getProtocolHandler());
      Class<?> kind;
      if (endpoint instanceof NioEndpoint nio && !nio.isSSLEnabled() && nio.getUnixDomainSocketPath() == null) {
        kind = NioEndpoint.class;
      } else if (endpoint instanceof Nio2Endpoint nio2 && !nio2.isSSLEnabled()) {
        kind = Nio2Endpoint.class;
      } else {
        return;
      }
      if (resetSocket == null) {
        Method reset = SocketWrapperBase.class.getDeclaredMethod("reset", Object.class);
        reset.setAccessible(true);
        resetSocket = reset;
      }
      if (Bridge.meshTlsCapable(connector)) {
        Field pool = kind.getDeclaredField("nioChannels");
        pool.setAccessible(true);
        pool.set(endpoint, null);
        MESHED.add(endpoint);
      }
    } catch (Throwable t) {
      AgentFaults.record("tomcat-tls", t);
    }
  }

  /**
   * At {@code NioEndpoint.SocketProcessor.doRun}: sets up a new connection of a meshed connector.
   *
   * @return {@code true} when the connection was closed or must wait: the processing is skipped
   */
  public static boolean processing(Object endpoint, SocketWrapperBase<NioChannel> wrapper, SocketEvent event) {
    if (!MESHED.contains(endpoint) || DECIDED.contains(wrapper)) {
      return false;
    }
    NioChannel plain = wrapper.getSocket();
    if (plain == null || plain instanceof MeshTlsNioChannel || event != SocketEvent.OPEN_READ) {
      DECIDED.add(wrapper);
      return false;
    }
    try {
      if (!MeshServerTls.mustPeek()) {
        DECIDED.add(wrapper);
        return false;
      }
      SocketChannel channel = plain.getIOChannel();
      ByteBuffer one = ByteBuffer.allocate(1);
      int n = channel.read(one);
      if (n == 0) {
        wrapper.registerReadInterest(); // woken with nothing to read yet
        return true;
      }
      DECIDED.add(wrapper);
      if (n < 0) {
        wrapper.close();
        return true;
      }
      byte first = one.get(0);
      MeshServerTls.Choice choice = MeshServerTls.choose(first & 0xff, "tomcat");
      if (choice == MeshServerTls.Choice.PLAIN) {
        plain.getBufHandler().unReadReadBuffer(ByteBuffer.wrap(new byte[] {first}));
        return false;
      }
      SSLEngine engine = choice == MeshServerTls.Choice.TLS ? MeshServerTls.serverEngine() : null;
      if (engine != null) {
        MeshTlsNioChannel secure = new MeshTlsNioChannel(plain.getBufHandler(), (NioEndpoint) endpoint, engine);
        secure.reset(channel, (NioEndpoint.NioSocketWrapper) wrapper);
        secure.pushBack(first);
        resetSocket.invoke(wrapper, secure);
        return false;
      }
    } catch (Throwable t) {
      AgentFaults.record("tomcat-tls", t);
    }
    DECIDED.add(wrapper);
    wrapper.close();
    return true;
  }

  /** Whether this endpoint takes the mesh's TLS on its plain-text port. */
  public static boolean meshed(Object endpoint) {
    return MESHED.contains(endpoint);
  }

  /** The mesh's server engine for a TLS connection of a meshed endpoint ({@code null}: none now). */
  public static SSLEngine serverEngine() {
    return MeshServerTls.serverEngine();
  }

  /** Puts the TLS channel in the connection's wrapper in place of its plain one. */
  static void swap(SocketWrapperBase<?> wrapper, Object secure) throws ReflectiveOperationException {
    resetSocket.invoke(wrapper, secure);
  }
}
