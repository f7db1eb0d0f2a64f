package dev.skein.instrumentation.httpurlconnection;

import dev.skein.bootstrap.instrumentation.httpurlconnection.HttpUrlConnectionCalls;
import java.net.HttpURLConnection;
import net.bytebuddy.asm.Advice;

/**
 * {@code getInputStream}, which {@code getResponseCode} also goes through: the response status (or
 * the failure) ends the call's span.
 */
final class GetInputStreamAdvice {
  private GetInputStreamAdvice() {}

  @Advice.OnMethodEnter(suppress = Throwable.class)
  static void enter() {
    HttpUrlConnectionCalls.readBegin();
  }

  @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
  static void exit(
      @Advice.This HttpURLConnection connection,
      @Advice.FieldValue("responseCode") int status,
      @Advice.Thrown Throwable thrown) {
    HttpUrlConnectionCalls.readEnd(connection, status, thrown);
  }
}
