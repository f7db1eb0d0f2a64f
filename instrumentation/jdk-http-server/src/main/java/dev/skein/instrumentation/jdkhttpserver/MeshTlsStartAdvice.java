package dev.skein.instrumentation.jdkhttpserver;

import dev.skein.bootstrap.instrumentation.jdkhttpserver.JdkServerTls;
import net.bytebuddy.asm.Advice;

/** Before the server starts: mesh mutual TLS takes over its new connections (see {@link JdkServerTls}). */
final class MeshTlsStartAdvice {
  private MeshTlsStartAdvice() {}

  @Advice.OnMethodEnter(suppress = Throwable.class)
  static void enter(@Advice.This Object server, @Advice.FieldValue("server") Object serverImpl) {
    JdkServerTls.starting(server, serverImpl);
  }
}
