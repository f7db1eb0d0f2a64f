package dev.skein.instrumentation.apachehttpclient5;

import dev.skein.instrumentation.apachehttpclient5.mesh.MeshExecHandler;
import net.bytebuddy.asm.Advice;

/**
 * Before {@code HttpClientBuilder.build()} assembles the exec chain: put the mesh's interceptor
 * first, so that every classic client ({@code HttpClients.createDefault()}, {@code custom()},
 * {@code createSystem()}) applies the mesh's call path to routed requests.
 */
final class BuildAdvice {
  private BuildAdvice() {}

  @Advice.OnMethodEnter(suppress = Throwable.class)
  static void enter(@Advice.This Object builder) {
    MeshExecHandler.install(builder);
  }
}
