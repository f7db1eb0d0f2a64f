package dev.skein.instrumentation.jdkhttpclient;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSession;

/**
 * A response the mesh makes itself (an injected fault, a refusal): the status, one header, and
 * the value as the body, read through the application's own body handler so that the body has
 * the type the application asked for.
 */
record MeshResponse<T>(HttpRequest request, URI uri, int statusCode, HttpHeaders headers, T body) implements HttpResponse<T> {
  static <T> MeshResponse<T> of(HttpRequest request, URI uri, int status, String header, String value, BodyHandler<T> handler) {
    HttpHeaders headers = HttpHeaders.of(Map.of(header, List.of(value)), (name, v) -> true);
    BodySubscriber<T> subscriber =
        handler.apply(
            new ResponseInfo() {
              @Override
              public int statusCode() {
                return status;
              }

              @Override
              public HttpHeaders headers() {
                return headers;
              }

              @Override
              public HttpClient.Version version() {
                return HttpClient.Version.HTTP_1_1;
              }
            });
    subscriber.onSubscribe(
        new Flow.Subscription() {
          @Override
          public void request(long n) {}

          @Override
          public void cancel() {}
        });
    subscriber.onNext(List.of(ByteBuffer.wrap(value.getBytes(StandardCharsets.UTF_8))));
    subscriber.onComplete();
    T body;
    try {
      body = subscriber.getBody().toCompletableFuture().get(1, TimeUnit.SECONDS);
    } catch (Exception e) {
      body = null;
    }
    return new MeshResponse<>(request, uri, status, headers, body);
  }

  @Override
  public Optional<HttpResponse<T>> previousResponse() {
    return Optional.empty();
  }

  @Override
  public Optional<SSLSession> sslSession() {
    return Optional.empty();
  }

  @Override
  public HttpClient.Version version() {
    return HttpClient.Version.HTTP_1_1;
  }
}
