package dev.skein.instrumentation.jetty12;

import dev.skein.instrumentation.jetty12.inbound.JettyMeshTls;
import net.bytebuddy.asm.Advice;
import org.eclipse.jetty.server.Server;

/** Before {@code Server.doStart}: its plain-text connectors take the mesh's TLS too (see {@link JettyMeshTls}). */
final class ServerStartTlsAdvice {
  private ServerStartTlsAdvice() {}

  @Advice.OnMethodEnter(suppress = Throwable.class)
  static void enter(@Advice.This Server server) {
    JettyMeshTls.starting(server);
  }
}
