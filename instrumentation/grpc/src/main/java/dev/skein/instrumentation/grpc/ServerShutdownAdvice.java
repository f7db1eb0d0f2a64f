package dev.skein.instrumentation.grpc;

import dev.skein.bootstrap.Bridge;
import net.bytebuddy.asm.Advice;

/** Before the server stops: deregister, so that clients stop choosing it first. */
final class ServerShutdownAdvice {
  private ServerShutdownAdvice() {}

  @Advice.OnMethodEnter(suppress = Throwable.class)
  static void enter(@Advice.This Object server) {
    Bridge.serverStopping(server);
  }
}
