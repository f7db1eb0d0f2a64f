package dev.skein.instrumentation.undertow;

import dev.skein.bootstrap.Bridge;
import io.undertow.Undertow;
import net.bytebuddy.asm.Advice;

/** Before {@code Undertow.stop}: deregister every listener while the ports still answer. */
final class StopAdvice {
  private StopAdvice() {}

  @Advice.OnMethodEnter(suppress = Throwable.class)
  static void enter(@Advice.This Undertow server) {
    // getListenerInfo() throws when the server never started: suppressed, nothing to deregister.
    for (Undertow.ListenerInfo listener : server.getListenerInfo()) {
      Bridge.serverStopping(listener);
    }
  }
}
