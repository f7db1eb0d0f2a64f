package dev.skein.instrumentation.grpc;

import dev.skein.instrumentation.grpc.mesh.MeshTelemetry;
import net.bytebuddy.asm.Advice;

/** Before a server is built: the telemetry server interceptor. */
final class ServerTelemetryAdvice {
  private ServerTelemetryAdvice() {}

  @Advice.OnMethodEnter(suppress = Throwable.class)
  static void enter(@Advice.This Object builder) {
    MeshTelemetry.server(builder);
  }
}
