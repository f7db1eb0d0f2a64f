package dev.skein.instrumentation.jetty12;

import dev.skein.bootstrap.Bridge;
import net.bytebuddy.asm.Advice;

/** Before {@code ServerConnector.doStop}: deregister while the port still answers. */
final class ConnectorStopAdvice {
  private ConnectorStopAdvice() {}

  @Advice.OnMethodEnter(suppress = Throwable.class)
  static void enter(@Advice.This Object connector) {
    Bridge.serverStopping(connector);
  }
}
