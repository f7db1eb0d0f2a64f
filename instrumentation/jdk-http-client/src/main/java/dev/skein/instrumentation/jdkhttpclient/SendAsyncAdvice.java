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
 * context. A routed request then goes through the mesh's client call path (faults, timeouts,
 * breaker, retries; see {@link JdkHttpClientCalls}), whose future replaces the method's: the
 * original body is skipped. The tries of that path call the client again; this advice stands
 * aside for them. The helper it calls lives in the bootstrap loader, which cannot see
 * {@code java.net.http} (a platform-loader module): so the helper works on {@code java.base}
 * types and the advice does the HttpRequest parts.
 */
final class SendAsyncAdvice {
  private SendAsyncAdvice() {}

  @Advice.OnMethodEnter(skipOn = CompletableFuture.class, suppress = Throwable.class)
  static Object enter(
      @Advice.This Object client,
      @Advice.Argument(value = 0, readOnly = false) HttpRequest request,
      @Advice.Argument(1) Object handler,
      @Advice.Argument(2) Object pushHandler,
      @Advice.Argument(3) Object executor) {
    if (JdkHttpClientRouting.inner()) {
      return null;
    }
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
    if (route != null) {
      // send() passes no executor and waits on this thread; sendAsync() passes one.
      CompletableFuture<?> managed = JdkHttpClientRouting.send(client, request, handler, pushHandler, executor != null, route, call);
      if (managed != null) {
        return managed;
      }
    }
    return call;
  }

  @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
  static void exit(
      @Advice.Enter Object entered,
      @Advice.Return(readOnly = false) CompletableFuture<?> response,
      @Advice.Thrown Throwable thrown) {
    if (entered instanceof CompletableFuture) {
      response = (CompletableFuture<?>) entered; // the managed call, ended for telemetry already
    } else if (thrown != null || response == null) {
      Bridge.clientEnd(entered, -1, thrown);
    } else {
      Bridge.clientEndOnCompletion(entered, response);
    }
  }
}
