package dev.skein.instrumentation.grpc;

import dev.skein.instrumentation.grpc.mesh.MeshChannels;
import net.bytebuddy.asm.Advice;

/**
 * Before a channel is built: a target naming a mesh service gets the mesh resolver and load
 * balancer. Only {@code Object} and {@code String} appear here, because io.grpc names in this
 * class would be relocated by the agent's shade step; the injected helper does the rest.
 */
final class ChannelBuildAdvice {
  private ChannelBuildAdvice() {}

  @Advice.OnMethodEnter(suppress = Throwable.class)
  static void enter(
      @Advice.This Object builder,
      @Advice.FieldValue("target") String target,
      @Advice.FieldValue("directServerAddress") Object directServerAddress) {
    // forAddress(SocketAddress) channels name no host: nothing to resolve.
    if (target != null && directServerAddress == null) {
      MeshChannels.configure(builder, target);
    }
  }
}
