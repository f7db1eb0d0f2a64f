package dev.skein.instrumentation.reactornetty.server;

import dev.skein.instrumentation.reactornetty.server.inbound.ReactorNettyMeshTls;
import net.bytebuddy.asm.Advice;

/**
 * After {@code HttpServerConfig.HttpServerChannelInitializer.onChannelInit}: a new connection's
 * pipeline is set up; mesh TLS goes first in it (see {@link ReactorNettyMeshTls}). No Netty type
 * is named here (the agent relocates its own copy).
 */
final class ChannelInitTlsAdvice {
  private ChannelInitTlsAdvice() {}

  @Advice.OnMethodExit(suppress = Throwable.class)
  static void exit(@Advice.Argument(1) Object channel, @Advice.FieldValue("sslProvider") Object sslProvider) {
    ReactorNettyMeshTls.connection(channel, sslProvider);
  }
}
