package dev.skein.instrumentation.reactornetty.server.inbound;

import dev.skein.bootstrap.AgentFaults;
import dev.skein.bootstrap.Bridge;
import dev.skein.bootstrap.MeshServerTls;
import io.netty.channel.Channel;
import java.util.Collections;
import java.util.Set;
import java.util.WeakHashMap;
import reactor.netty.http.server.HttpServerConfig;

/**
 * Mesh mutual TLS on a plain-text Reactor Netty {@code HttpServer}'s own port: once the server is
 * bound, each new connection of it gets a {@link MeshTlsDetector} first in its pipeline, right after
 * Reactor Netty set the pipeline up. Servers the application configured with TLS are left alone.
 */
public final class ReactorNettyMeshTls {
  private static final Set<Channel> MESHED = Collections.synchronizedSet(Collections.newSetFromMap(new WeakHashMap<>()));

  private ReactorNettyMeshTls() {}

  /** After the bind, before the server registers: a plain-text HTTP server takes the mesh's TLS. */
  public static void bound(Object server, Object config, Object serverChannel) {
    try {
      if (config instanceof HttpServerConfig http && http.sslProvider() == null && serverChannel instanceof Channel channel
          && Bridge.meshTlsCapable(server)) {
        MESHED.add(channel);
      }
    } catch (Throwable t) {
      AgentFaults.record("reactor-netty-tls", t);
    }
  }

  /** After {@code HttpServerChannelInitializer.onChannelInit}: a new connection of a meshed server. */
  public static void connection(Object channel, Object sslProvider) {
    if (sslProvider != null || !(channel instanceof Channel child) || child.parent() == null || !MESHED.contains(child.parent())) {
      return;
    }
    try {
      if (MeshServerTls.mustPeek()) {
        child.pipeline().addFirst(MeshTlsDetector.NAME, new MeshTlsDetector());
      }
    } catch (Throwable t) {
      AgentFaults.record("reactor-netty-tls", t);
      if (!Bridge.inboundPlaintextAllowed()) {
        child.close();
      }
    }
  }
}
