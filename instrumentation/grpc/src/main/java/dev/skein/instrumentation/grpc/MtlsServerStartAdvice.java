package dev.skein.instrumentation.grpc;

import dev.skein.instrumentation.grpc.mesh.MeshNettyTls;
import net.bytebuddy.asm.Advice;

/** After a gRPC server started: on a Netty transport, it takes the mesh's TLS (its registration says so). */
final class MtlsServerStartAdvice {
  private MtlsServerStartAdvice() {}

  @Advice.OnMethodExit(suppress = Throwable.class)
  static void exit(@Advice.This Object server) {
    MeshNettyTls.serverStarted(server);
  }
}
