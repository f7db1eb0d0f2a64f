package dev.skein.instrumentation.apachehttpclient5;

import dev.skein.instrumentation.apachehttpclient5.mesh.MeshAsyncTls;
import net.bytebuddy.asm.Advice;

/**
 * {@code AbstractClientTlsStrategy.upgrade(TransportSecurityLayer, NamedEndpoint, ...)} (async
 * client): a connection to a mesh endpoint that takes the mesh's TLS starts TLS with the mesh's
 * context instead of the strategy's own.
 */
final class MeshTlsSessionAdvice {
  private MeshTlsSessionAdvice() {}

  @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class)
  static boolean enter(
      @Advice.Argument(0) Object session, @Advice.Argument(1) Object endpoint, @Advice.Argument(3) Object timeout, @Advice.Argument(4) Object callback) {
    return MeshAsyncTls.startTls(session, endpoint, timeout, callback);
  }
}
