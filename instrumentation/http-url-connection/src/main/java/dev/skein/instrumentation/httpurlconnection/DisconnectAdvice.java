package dev.skein.instrumentation.httpurlconnection;

import dev.skein.bootstrap.instrumentation.httpurlconnection.HttpUrlConnectionCalls;
import java.net.HttpURLConnection;
import net.bytebuddy.asm.Advice;

/** {@code disconnect()}: a call the application never read gives its bulkhead slot back. */
final class DisconnectAdvice {
  private DisconnectAdvice() {}

  @Advice.OnMethodEnter(suppress = Throwable.class)
  static void enter(@Advice.This HttpURLConnection connection) {
    HttpUrlConnectionCalls.disconnected(connection);
  }
}
