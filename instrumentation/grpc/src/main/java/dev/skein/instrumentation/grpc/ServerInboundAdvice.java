package dev.skein.instrumentation.grpc;

import dev.skein.instrumentation.grpc.mesh.MeshTelemetry;
import net.bytebuddy.asm.Advice;

/** Before a server is built: the inbound interceptor (authorization, rate limit, telemetry). */
final class ServerInboundAdvice {
  private ServerInboundAdvice() {}

  @Advice.OnMethodEnter(suppress = Throwable.class)
  static void enter(@Advice.This Object builder) {
    MeshTelemetry.server(builder);
  }
}
