package dev.skein.instrumentation.grpc;

import dev.skein.instrumentation.grpc.mesh.MeshNettyTls;
import java.net.SocketAddress;
import net.bytebuddy.asm.Advice;

/** {@code WriteBufferingAndExceptionHandler.connect} of a client channel: TLS to a mesh endpoint that takes it. */
final class MtlsClientConnectAdvice {
  private MtlsClientConnectAdvice() {}

  @Advice.OnMethodEnter(suppress = Throwable.class)
  static void enter(@Advice.Argument(0) Object ctx, @Advice.Argument(1) SocketAddress remote) {
    MeshNettyTls.clientConnect(ctx, remote);
  }
}
