package dev.skein.instrumentation.tomcat.inbound;

import dev.skein.bootstrap.AgentFaults;
import dev.skein.bootstrap.MeshServerTls;
import java.nio.ByteBuffer;
import java.nio.channels.CompletionHandler;
import java.util.Collections;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.tomcat.util.net.Nio2Channel;
import org.apache.tomcat.util.net.Nio2Endpoint;
import org.apache.tomcat.util.net.SocketEvent;
import org.apache.tomcat.util.net.SocketWrapperBase;

/**
 * Mesh mutual TLS on a plain-text Tomcat NIO2 connector's own port. NIO2 processes a connection as
 * soon as it is accepted, before any byte arrived, so the first byte is read asynchronously (within
 * the connector's connection timeout) and the connection is processed again once it is known: a TLS
 * handshake record swaps the connection's channel for a {@link MeshTlsNio2Channel}, plain text is
 * pushed back into the connection's read buffer and served as before, and under STRICT plain text
 * is closed unanswered. The endpoint's channel pool is off (see {@link TomcatMeshTls#connectorStarted}).
 */
public final class TomcatNio2MeshTls {
  private static final Set<Object> DECIDED = Collections.synchronizedSet(Collections.newSetFromMap(new WeakHashMap<>()));

  private TomcatNio2MeshTls() {}

  /**
   * At {@code Nio2Endpoint.SocketProcessor.doRun}: starts reading a new connection's first byte.
   *
   * @return {@code true} when processing is skipped: the connection is processed again once its
   *     first byte decided it, or it was closed
   */
  public static boolean processing(Object endpoint, SocketWrapperBase<Nio2Channel> wrapper, SocketEvent event) {
    if (!TomcatMeshTls.meshed(endpoint) || DECIDED.contains(wrapper)) {
      return false;
    }
    Nio2Channel plain = wrapper.getSocket();
    if (plain == null || plain instanceof MeshTlsNio2Channel || event != SocketEvent.OPEN_READ || !MeshServerTls.mustPeek()) {
      DECIDED.add(wrapper);
      return false;
    }
    try {
      Nio2Endpoint nio2 = (Nio2Endpoint) endpoint;
      ByteBuffer one = ByteBuffer.allocate(1);
      plain.getIOChannel().read(one, nio2.getConnectionTimeout(), TimeUnit.MILLISECONDS, wrapper, new FirstByte(nio2, plain, one));
    } catch (Throwable t) {
      AgentFaults.record("tomcat-tls", t);
      DECIDED.add(wrapper);
      wrapper.close();
    }
    return true;
  }

  /** Decides the connection by its first byte, then hands it back to the endpoint. */
  private static final class FirstByte implements CompletionHandler<Integer, SocketWrapperBase<Nio2Channel>> {
    private final Nio2Endpoint endpoint;
    private final Nio2Channel plain;
    private final ByteBuffer one;

    FirstByte(Nio2Endpoint endpoint, Nio2Channel plain, ByteBuffer one) {
      this.endpoint = endpoint;
      this.plain = plain;
      this.one = one;
    }

    @Override
    public void completed(Integer read, SocketWrapperBase<Nio2Channel> wrapper) {
      DECIDED.add(wrapper);
      try {
        if (read < 0) {
          wrapper.close();
          return;
        }
        byte first = one.get(0);
        MeshServerTls.Choice choice = MeshServerTls.choose(first & 0xff, "tomcat");
        if (choice == MeshServerTls.Choice.PLAIN) {
          plain.getBufHandler().unReadReadBuffer(ByteBuffer.wrap(new byte[] {first}));
        } else if (choice == MeshServerTls.Choice.TLS) {
          MeshTlsNio2Channel secure = new MeshTlsNio2Channel(plain.getBufHandler(), endpoint);
          secure.reset(plain.getIOChannel(), wrapper);
          secure.pushBack(first);
          TomcatMeshTls.swap(wrapper, secure);
        } else {
          wrapper.close();
          return;
        }
        endpoint.processSocket(wrapper, SocketEvent.OPEN_READ, true);
      } catch (Throwable t) {
        AgentFaults.record("tomcat-tls", t);
        wrapper.close();
      }
    }

    @Override
    public void failed(Throwable exc, SocketWrapperBase<Nio2Channel> wrapper) {
      DECIDED.add(wrapper); // nothing within the connection timeout, or the peer went away
      wrapper.close();
    }
  }
}
