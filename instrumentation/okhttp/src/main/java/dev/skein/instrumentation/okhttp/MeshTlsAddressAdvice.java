package dev.skein.instrumentation.okhttp;

import dev.skein.instrumentation.okhttp.mesh.MeshOkHttpTls;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.implementation.bytecode.assign.Assigner;

/** {@code RealCall.createAddress}: a mesh endpoint that takes the mesh's TLS gets the mesh's socket factory. */
final class MeshTlsAddressAdvice {
  private MeshTlsAddressAdvice() {}

  @Advice.OnMethodExit(suppress = Throwable.class)
  static void exit(@Advice.Return(readOnly = false, typing = Assigner.Typing.DYNAMIC) Object address) {
    address = MeshOkHttpTls.address(address);
  }
}
