package dev.skein.instrumentation.grpc;

import dev.skein.instrumentation.grpc.mesh.MeshServers;
import net.bytebuddy.asm.Advice;

/** After the server listens: register it (the injected helper reads its listen address). */
final class ServerStartAdvice {
  private ServerStartAdvice() {}

  @Advice.OnMethodExit(suppress = Throwable.class)
  static void exit(@Advice.This Object server) {
    MeshServers.started(server);
  }
}
