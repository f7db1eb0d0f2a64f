package dev.skein.instrumentation.reactornetty.client;

import net.bytebuddy.asm.Advice;

/**
 * Before {@code HttpClientConnect.MonoHttpConnect.subscribe}: a request to a mesh service is taken
 * over by the shared client call path (the original subscribe is skipped); any other request, or
 * any fault of the agent, goes on as the library wrote it.
 */
final class ConnectSubscribeAdvice {
  private ConnectSubscribeAdvice() {}

  @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class, suppress = Throwable.class)
  static boolean enter(@Advice.This Object mono, @Advice.Argument(0) Object actual) {
    return reactor.netty.http.client.MeshHttpConnect.subscribe(mono, actual);
  }
}
