package dev.skein.instrumentation.grpc;

import dev.skein.instrumentation.grpc.mesh.MeshTelemetry;
import net.bytebuddy.asm.Advice;

/** Before a channel is built: the telemetry client interceptor (any target, mesh or not). */
final class ChannelTelemetryAdvice {
  private ChannelTelemetryAdvice() {}

  @Advice.OnMethodEnter(suppress = Throwable.class)
  static void enter(@Advice.This Object builder, @Advice.FieldValue("target") String target) {
    MeshTelemetry.channel(builder, target);
  }
}
