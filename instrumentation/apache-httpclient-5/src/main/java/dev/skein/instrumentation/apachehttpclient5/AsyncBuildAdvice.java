package dev.skein.instrumentation.apachehttpclient5;

import dev.skein.instrumentation.apachehttpclient5.mesh.MeshAsyncExecHandler;
import net.bytebuddy.asm.Advice;

/**
 * Before {@code HttpAsyncClientBuilder.build()} assembles the exec chain: put the mesh's async
 * interceptor first, so that every async client ({@code HttpAsyncClients.createDefault()},
 * {@code custom()}, {@code createSystem()}) applies the mesh's call path to routed requests.
 */
final class AsyncBuildAdvice {
  private AsyncBuildAdvice() {}

  @Advice.OnMethodEnter(suppress = Throwable.class)
  static void enter(@Advice.This Object builder) {
    MeshAsyncExecHandler.install(builder);
  }
}
