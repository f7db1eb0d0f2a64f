package dev.skein.instrumentation.jdkhttpclient;

import dev.skein.bootstrap.Bridge;
import dev.skein.bootstrap.OutboundRoute;
import dev.skein.bootstrap.instrumentation.jdkhttpclient.JdkHttpClientRouting;
import java.net.URI;
import java.net.http.HttpRequest;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import net.bytebuddy.asm.Advice;

/**
 * Replaces the request with one aimed at the endpoint the mesh chose and carrying the trace
 * context, and ends the call's span when the response future completes. The helper it calls
 * lives in the bootstrap loader, which cannot see {@code java.net.http} (a platform-loader
 * module): so the helper works on {@code java.base} types and the advice does the HttpRequest parts.
 */
final class SendAsyncAdvice {
  private SendAsyncAdvice() {}

  @Advice.OnMethodEnter(suppress = Throwable.class)
  static Object enter(@Advice.Argument(value = 0, readOnly = false) HttpRequest request) {
    URI uri = request.uri();
    OutboundRoute route = JdkHttpClientRouting.route(uri, request.method(), request.headers().map());
    Map<String, String> inject = new HashMap<>();
    Object call = Bridge.clientStart("http", route, request.method(), uri.toString(), uri.getHost(), uri.getPort(), inject);
    if (route != null || !inject.isEmpty()) {
      HttpRequest.Builder copy = HttpRequest.newBuilder(request, JdkHttpClientRouting.ALL_HEADERS);
      if (route != null) {
        copy.uri(JdkHttpClientRouting.retarget(uri, route));
      }
      for (Map.Entry<String, String> header : inject.entrySet()) {
        copy.setHeader(header.getKey(), header.getValue());
      }
      request = copy.build();
    }
    return call;
  }

  @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
  static void exit(@Advice.Enter Object call, @Advice.Return CompletableFuture<?> response, @Advice.Thrown Throwable thrown) {
    if (thrown != null || response == null) {
      Bridge.clientEnd(call, -1, thrown);
    } else {
      Bridge.clientEndOnCompletion(call, response);
    }
  }
}
