package dev.skein.instrumentation.okhttp;

import dev.skein.instrumentation.okhttp.mesh.MeshInterceptor;
import net.bytebuddy.asm.Advice;

/**
 * Before {@code OkHttpClient(Builder)} copies the builder's interceptors: add the mesh's. Every
 * client is made by this constructor ({@code new OkHttpClient()} and {@code Builder.build()} both
 * call it), so every client gets exactly one.
 */
final class ClientInitAdvice {
  private ClientInitAdvice() {}

  @Advice.OnMethodEnter(suppress = Throwable.class)
  static void enter(@Advice.Argument(0) Object builder) {
    MeshInterceptor.install(builder);
  }
}
