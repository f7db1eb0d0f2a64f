package dev.skein.instrumentation.grpc;

import dev.skein.instrumentation.grpc.mesh.MeshNettyTls;
import net.bytebuddy.asm.Advice;

/** {@code NettyServerTransport.start}: a new connection, before it reads a byte: mesh TLS first in its pipeline. */
final class MtlsServerConnectionAdvice {
  private MtlsServerConnectionAdvice() {}

  @Advice.OnMethodEnter(suppress = Throwable.class)
  static void enter(@Advice.FieldValue("channel") Object channel, @Advice.FieldValue("protocolNegotiator") Object negotiator) {
    MeshNettyTls.serverConnection(channel, negotiator);
  }
}
