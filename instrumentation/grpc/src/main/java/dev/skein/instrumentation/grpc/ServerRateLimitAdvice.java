package dev.skein.instrumentation.grpc;

import dev.skein.instrumentation.grpc.mesh.RateLimitServerInterceptor;
import net.bytebuddy.asm.Advice;

/** Before a server is built: the rate-limit server interceptor. */
final class ServerRateLimitAdvice {
  private ServerRateLimitAdvice() {}

  @Advice.OnMethodEnter(suppress = Throwable.class)
  static void enter(@Advice.This Object builder) {
    RateLimitServerInterceptor.install(builder);
  }
}
