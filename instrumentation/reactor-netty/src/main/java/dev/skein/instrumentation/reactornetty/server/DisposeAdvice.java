package dev.skein.instrumentation.reactornetty.server;

import dev.skein.bootstrap.Bridge;
import net.bytebuddy.asm.Advice;

/** Before {@code DisposableBind.dispose()} closes the server channel: deregister first. */
final class DisposeAdvice {
  private DisposeAdvice() {}

  @Advice.OnMethodEnter(suppress = Throwable.class)
  static void enter(@Advice.This Object server) {
    Bridge.serverStopping(server);
  }
}
