package dev.skein.instrumentation.tomcat;

import dev.skein.bootstrap.Bridge;
import net.bytebuddy.asm.Advice;

/** Before {@code Connector.pause} or {@code stopInternal}: deregister while the port still answers. */
final class ConnectorStopAdvice {
  private ConnectorStopAdvice() {}

  @Advice.OnMethodEnter(suppress = Throwable.class)
  static void enter(@Advice.This Object connector) {
    Bridge.serverStopping(connector);
  }
}
