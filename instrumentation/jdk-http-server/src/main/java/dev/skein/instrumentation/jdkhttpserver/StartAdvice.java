package dev.skein.instrumentation.jdkhttpserver;

import com.sun.net.httpserver.HttpServer;
import dev.skein.bootstrap.Bridge;
import net.bytebuddy.asm.Advice;

/**
 * After the server listens: register it. {@code jdk.httpserver} is defined by the platform
 * class loader, so no bootstrap helper can name its types: the advice passes plain values.
 */
final class StartAdvice {
  private StartAdvice() {}

  @Advice.OnMethodExit(suppress = Throwable.class)
  static void exit(@Advice.This HttpServer server) {
    Bridge.serverStarted(server, "http", server.getAddress());
  }
}
