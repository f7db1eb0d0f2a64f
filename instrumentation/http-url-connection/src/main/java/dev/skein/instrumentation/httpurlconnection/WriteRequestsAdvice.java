package dev.skein.instrumentation.httpurlconnection;

import dev.skein.bootstrap.instrumentation.httpurlconnection.HttpUrlConnectionCalls;
import java.net.HttpURLConnection;
import net.bytebuddy.asm.Advice;

/**
 * Before the JDK writes a request head: starts the call's span (first write) or a further
 * attempt (a re-send), and puts the trace headers into the head.
 */
final class WriteRequestsAdvice {
  private WriteRequestsAdvice() {}

  @Advice.OnMethodEnter(suppress = Throwable.class)
  static void enter(@Advice.This HttpURLConnection connection, @Advice.FieldValue("requests") Object requests) {
    HttpUrlConnectionCalls.beforeWrite(connection, requests);
  }
}
