package dev.skein.instrumentation.httpurlconnection;

import dev.skein.bootstrap.instrumentation.httpurlconnection.HttpUrlConnectionCalls;
import java.net.HttpURLConnection;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.implementation.bytecode.assign.Assigner;

/**
 * Before the JDK writes a request head: starts the call's span (first write) or a further
 * attempt (a re-send), puts the trace headers into the head, and on the first write of a routed
 * call sends the Route's mirror copy (the buffered body is complete by then).
 */
final class WriteRequestsAdvice {
  private WriteRequestsAdvice() {}

  @Advice.OnMethodEnter(suppress = Throwable.class)
  static void enter(
      @Advice.This HttpURLConnection connection,
      @Advice.FieldValue("requests") Object requests,
      @Advice.FieldValue(value = "poster", typing = Assigner.Typing.DYNAMIC) Object poster,
      @Advice.FieldValue("fixedContentLength") int fixedLength,
      @Advice.FieldValue("fixedContentLengthLong") long fixedLengthLong,
      @Advice.FieldValue("chunkLength") int chunkLength) {
    boolean streaming = fixedLength != -1 || fixedLengthLong != -1 || chunkLength != -1;
    HttpUrlConnectionCalls.beforeWrite(connection, requests, poster, streaming);
  }
}
