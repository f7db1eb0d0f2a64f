package dev.skein.instrumentation.okhttp;

import dev.skein.bootstrap.OutboundRoute;
import dev.skein.bootstrap.instrumentation.okhttp.OkHttpCallUrl;
import dev.skein.bootstrap.instrumentation.okhttp.OkHttpRouting;
import net.bytebuddy.asm.Advice;
import okhttp3.Headers;
import okhttp3.HttpUrl;
import okhttp3.Request;

/**
 * Replaces the request given to {@code OkHttpClient.newCall} with one aimed at the endpoint the
 * mesh chose. Both {@code Call.execute} and {@code Call.enqueue} start from that call, so sync
 * and async requests are routed alike, on the caller's thread, before OkHttp's own dispatcher
 * sees them.
 */
final class NewCallAdvice {
  private NewCallAdvice() {}

  @Advice.OnMethodEnter(suppress = Throwable.class)
  static void enter(@Advice.Argument(value = 0, readOnly = false) Request request) {
    HttpUrl url = request.url();
    Headers headers = request.headers();
    String[] pairs = new String[headers.size() * 2];
    for (int i = 0; i < headers.size(); i++) {
      pairs[2 * i] = headers.name(i);
      pairs[2 * i + 1] = headers.value(i);
    }
    OutboundRoute route = OkHttpRouting.route(url.host(), url.port(), request.method(), url.encodedPath(), pairs);
    if (route != null) {
      // The route rides along as a tag: the mesh interceptor reads its policy and reports back.
      request =
          request.newBuilder().url(url.newBuilder().scheme(OkHttpRouting.scheme(url.scheme(), route)).host(route.address()).port(route.port()).build()).tag(OutboundRoute.class, route).tag(OkHttpCallUrl.class, new OkHttpCallUrl(url.toString(), url.port())).build();
    }
  }
}
