package dev.skein.instrumentation.reactornetty.server;

import dev.skein.bootstrap.Bridge;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import net.bytebuddy.asm.Advice;
import reactor.netty.DisposableServer;

/**
 * After {@code DisposableBind.onNext(channel)}: the server channel is bound and
 * {@code address()} is the real bound address, also for port 0. Only binds made by
 * {@code HttpServer} (its config is an {@code HttpServerConfig}) are HTTP endpoints; Unix domain
 * socket binds have no port and are skipped. A plain-text server takes the mesh's TLS first (see
 * {@code ReactorNettyMeshTls}), so that it registers with {@code "tls":true}. The advice names no Netty type: the agent relocates
 * its own copy of Netty, so a Netty name here would not be the application's.
 */
final class BoundAdvice {
  private BoundAdvice() {}

  @Advice.OnMethodExit(suppress = Throwable.class)
  static void exit(@Advice.This DisposableServer server, @Advice.FieldValue("config") Object config, @Advice.Argument(0) Object channel) {
    if (config != null && config.getClass().getName().equals("reactor.netty.http.server.HttpServerConfig")) {
      SocketAddress address = server.address();
      if (address instanceof InetSocketAddress) {
        dev.skein.instrumentation.reactornetty.server.inbound.ReactorNettyMeshTls.bound(server, config, channel);
        Bridge.serverStarted(server, "http", (InetSocketAddress) address);
      }
    }
  }
}
