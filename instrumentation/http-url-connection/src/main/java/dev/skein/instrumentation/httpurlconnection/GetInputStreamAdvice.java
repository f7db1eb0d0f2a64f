package dev.skein.instrumentation.httpurlconnection;

import dev.skein.bootstrap.instrumentation.httpurlconnection.HttpUrlConnectionCalls;
import dev.skein.bootstrap.instrumentation.httpurlconnection.MeshAnswer;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.nio.charset.StandardCharsets;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.implementation.bytecode.assign.Assigner;

/**
 * {@code getInputStream}, which {@code getResponseCode} also goes through: the response status (or
 * the failure) ends the call's span, and the outermost one retries a routed call as its policy
 * says (calling {@code getInputStream} again), handing back the last try's outcome.
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
      @Advice.FieldValue(value = "responseCode", readOnly = false) int status,
      @Advice.FieldValue(value = "responses", readOnly = false, typing = Assigner.Typing.DYNAMIC) Object responses,
      @Advice.FieldValue(value = "inputStream", readOnly = false) InputStream inputStream,
      @Advice.FieldValue(value = "rememberedException", readOnly = false) Exception remembered,
      @Advice.FieldValue(value = "connected", readOnly = false) boolean connected,
      @Advice.FieldValue(value = "poster", typing = Assigner.Typing.DYNAMIC) Object poster,
      @Advice.FieldValue("fixedContentLength") int fixedLength,
      @Advice.FieldValue("fixedContentLengthLong") long fixedLengthLong,
      @Advice.FieldValue("chunkLength") int chunkLength,
      @Advice.Return(readOnly = false) InputStream returned,
      @Advice.Thrown(readOnly = false) Throwable thrown)
      throws Exception {
    if (thrown instanceof MeshAnswer) {
      // The mesh answered for the server: the caller reads it as it would a server's answer.
      MeshAnswer answer = (MeshAnswer) thrown;
      responses = HttpUrlConnectionCalls.responseHead(answer);
      inputStream = new ByteArrayInputStream(answer.value.getBytes(StandardCharsets.UTF_8));
      remembered = null;
      connected = true;
      status = answer.status;
      thrown = answer.status >= 400 ? HttpUrlConnectionCalls.readFailure(answer, connection.getURL()) : null;
    }
    boolean streaming = fixedLength != -1 || fixedLengthLong != -1 || chunkLength != -1;
    Object retried = HttpUrlConnectionCalls.readEnd(connection, status, thrown, poster, streaming);
    if (retried instanceof InputStream) {
      returned = (InputStream) retried;
      thrown = null;
    } else if (retried instanceof Throwable) {
      returned = null;
      thrown = (Throwable) retried;
    }
  }
}
