package dev.skein.instrumentation.tomcat;

import dev.skein.instrumentation.tomcat.inbound.TomcatMeshTls;
import javax.net.ssl.SSLEngine;
import net.bytebuddy.asm.Advice;

/**
 * {@code createSSLEngine} of a plain-text endpoint that takes the mesh's TLS (it has no
 * {@code SSLHostConfig}): the mesh's server engine. Only the NIO2 connector's TLS channel asks.
 */
final class CreateSslEngineAdvice {
  private CreateSslEngineAdvice() {}

  @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class, suppress = Throwable.class)
  static boolean enter(@Advice.This Object endpoint) {
    return TomcatMeshTls.meshed(endpoint);
  }

  @Advice.OnMethodExit(suppress = Throwable.class)
  static void exit(@Advice.Enter boolean meshed, @Advice.Return(readOnly = false) SSLEngine engine) {
    if (meshed) {
      engine = TomcatMeshTls.serverEngine();
    }
  }
}
