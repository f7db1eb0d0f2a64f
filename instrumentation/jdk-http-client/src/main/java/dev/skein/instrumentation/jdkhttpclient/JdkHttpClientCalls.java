package dev.skein.instrumentation.jdkhttpclient;

import dev.skein.bootstrap.AgentFaults;
import dev.skein.bootstrap.Bridge;
import dev.skein.bootstrap.ClientCalls;
import dev.skein.bootstrap.ClientExchange;
import dev.skein.bootstrap.MeshCall;
import dev.skein.bootstrap.OutboundRoute;
import dev.skein.bootstrap.instrumentation.jdkhttpclient.JdkHttpClientRouting;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * The JDK HttpClient's side of the mesh's client call path: a try is the client's own
 * {@code send} (for {@code send}, on the caller's thread) or {@code sendAsync} (completing on the
 * client's threads) of a copy aimed at the try's endpoint, with the per-try timeout as the
 * request's timeout; a Route {@code mirror} copy goes out first, fire-and-forget. Loaded by the engine's loader, which sees {@code java.net.http}; installed
 * into the bootstrap helper when the module starts.
 */
final class JdkHttpClientCalls implements JdkHttpClientRouting.Sender {
  @Override
  @SuppressWarnings({"unchecked", "rawtypes"})
  public CompletableFuture<?> send(
      Object client, Object request, Object handler, Object pushHandler, boolean async, OutboundRoute route, Object call) {
    HttpRequest routed = (HttpRequest) request;
    long length = routed.bodyPublisher().map(HttpRequest.BodyPublisher::contentLength).orElse(0L);
    // The JDK's own publishers of known length can be subscribed again; unknown length means a stream.
    MeshCall meshCall = new MeshCall(route, routed.method(), length, length >= 0, call);
    if (route.mirror() != null && length >= 0) {
      mirror((HttpClient) client, routed, route.mirror());
    }
    Exchange exchange =
        new Exchange((HttpClient) client, routed, route, (HttpResponse.BodyHandler) handler, (HttpResponse.PushPromiseHandler) pushHandler);
    CompletableFuture<?> result;
    if (async) {
      result = ClientCalls.executeAsync(meshCall, exchange);
    } else {
      try {
        result = CompletableFuture.completedFuture(ClientCalls.execute(meshCall, exchange));
      } catch (IOException | RuntimeException e) {
        result = CompletableFuture.failedFuture(e);
      }
    }
    Bridge.clientEndOnCompletion(call, result);
    return result;
  }

  /**
   * Sends a copy to the mirror endpoint, fire-and-forget: on the client's own threads, its answer
   * discarded, any failure ignored.
   */
  private static void mirror(HttpClient client, HttpRequest request, OutboundRoute mirror) {
    JdkHttpClientRouting.innerBegin();
    try {
      HttpRequest copy =
          HttpRequest.newBuilder(request, JdkHttpClientRouting.ALL_HEADERS).uri(JdkHttpClientRouting.retarget(request.uri(), mirror)).build();
      client.sendAsync(copy, HttpResponse.BodyHandlers.discarding()).exceptionally(t -> null);
    } catch (Throwable t) {
      AgentFaults.record("jdk-http-client-mirror", t);
    } finally {
      JdkHttpClientRouting.innerDone();
    }
  }

  /** The tries of one request. */
  private static final class Exchange implements ClientExchange<HttpResponse<Object>> {
    private final HttpClient client;
    private final HttpRequest request;
    private final OutboundRoute first;
    private final HttpResponse.BodyHandler<Object> handler;
    private final HttpResponse.PushPromiseHandler<Object> pushHandler;

    Exchange(
        HttpClient client,
        HttpRequest request,
        OutboundRoute first,
        HttpResponse.BodyHandler<Object> handler,
        HttpResponse.PushPromiseHandler<Object> pushHandler) {
      this.client = client;
      this.request = request;
      this.first = first;
      this.handler = handler;
      this.pushHandler = pushHandler;
    }

    private HttpRequest tryRequest(OutboundRoute endpoint, long perTryMillis) {
      if (endpoint == first && perTryMillis <= 0) {
        return request;
      }
      HttpRequest.Builder copy = HttpRequest.newBuilder(request, JdkHttpClientRouting.ALL_HEADERS);
      if (endpoint != first) {
        copy.uri(JdkHttpClientRouting.retarget(request.uri(), endpoint));
      }
      if (perTryMillis > 0) {
        Duration own = request.timeout().orElse(null);
        Duration perTry = Duration.ofMillis(perTryMillis);
        copy.timeout(own != null && own.compareTo(perTry) < 0 ? own : perTry);
      }
      return copy.build();
    }

    @Override
    public HttpResponse<Object> send(OutboundRoute endpoint, long perTryMillis) throws IOException {
      HttpRequest tryRequest = tryRequest(endpoint, perTryMillis);
      JdkHttpClientRouting.innerBegin();
      try {
        return client.send(tryRequest, handler);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted");
      } finally {
        JdkHttpClientRouting.innerDone();
      }
    }

    @Override
    public CompletableFuture<HttpResponse<Object>> sendAsync(OutboundRoute endpoint, long perTryMillis) {
      HttpRequest tryRequest = tryRequest(endpoint, perTryMillis);
      JdkHttpClientRouting.innerBegin();
      try {
        return client.sendAsync(tryRequest, handler, pushHandler);
      } finally {
        JdkHttpClientRouting.innerDone();
      }
    }

    @Override
    public int status(HttpResponse<Object> response) {
      return response.statusCode();
    }

    @Override
    public void discard(HttpResponse<Object> response) {
      if (response.body() instanceof AutoCloseable closeable) {
        try {
          closeable.close();
        } catch (Exception ignored) {
          // the response is thrown away either way
        }
      }
    }

    @Override
    public HttpResponse<Object> synthetic(int status, String header, String value) {
      URI uri = request.uri();
      return MeshResponse.of(request, uri, status, header, value, handler);
    }

    @Override
    public IOException timeout() {
      return new HttpTimeoutException("request timed out"); // the JDK's own words
    }
  }
}
