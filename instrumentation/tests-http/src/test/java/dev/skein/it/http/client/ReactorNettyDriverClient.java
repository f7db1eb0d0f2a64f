package dev.skein.it.http.client;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;

/**
 * Reactor Netty {@code HttpClient}: {@code block()} for sync, the {@code Mono} as a future for
 * async. Headers are set on the client ({@code headers(...)}), where routing can see them.
 */
final class ReactorNettyDriverClient implements DriverClient {
  private final HttpClient client = HttpClient.create().responseTimeout(Duration.ofSeconds(5));

  private Mono<String> request(String url, Map<String, String> headers) {
    HttpClient configured = headers.isEmpty() ? client : client.headers(h -> headers.forEach(h::set));
    return configured
        .get()
        .uri(url)
        .responseSingle(
            (response, body) ->
                response.status().code() == 200
                    ? body.asString()
                    : Mono.error(new IOException("status " + response.status().code())));
  }

  @Override
  public String get(String url, Map<String, String> headers) {
    return request(url, headers).block(Duration.ofSeconds(10));
  }

  @Override
  public CompletableFuture<String> getAsync(String url, Map<String, String> headers) {
    return request(url, headers).toFuture();
  }

  @Override
  public String describe() {
    return "reactor-netty " + HttpClient.class.getPackage().getImplementationVersion();
  }

  @Override
  public void close() {}
}
