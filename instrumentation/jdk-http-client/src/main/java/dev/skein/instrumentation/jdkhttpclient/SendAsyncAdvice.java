package dev.skein.instrumentation.jdkhttpclient;

import dev.skein.bootstrap.instrumentation.jdkhttpclient.JdkHttpClientRouting;
import java.net.URI;
import java.net.http.HttpRequest;
import net.bytebuddy.asm.Advice;

/**
 * Replaces the request with one aimed at the endpoint the mesh chose. The helper it calls lives
 * in the bootstrap loader, which cannot see {@code java.net.http} (a platform-loader module):
 * so the helper works on {@code java.base} types and the advice does the HttpRequest parts.
 */
final class SendAsyncAdvice {
  private SendAsyncAdvice() {}

  @Advice.OnMethodEnter(suppress = Throwable.class)
  static void enter(@Advice.Argument(value = 0, readOnly = false) HttpRequest request) {
    URI target = JdkHttpClientRouting.target(request.uri(), request.method(), request.headers().map());
    if (target != null) {
      request = HttpRequest.newBuilder(request, JdkHttpClientRouting.ALL_HEADERS).uri(target).build();
    }
  }
}
