package dev.skein.it.http.client;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.springframework.core.SpringVersion;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;

/**
 * Spring WebClient on Reactor Netty, as a Spring application builds it: headers per request
 * (WebClient sets them in Reactor Netty's send callback), {@code block()} for sync, the
 * {@code Mono} as a future for async.
 */
final class WebClientDriverClient implements DriverClient {
  private final WebClient client =
      WebClient.builder().clientConnector(new ReactorClientHttpConnector(HttpClient.create().responseTimeout(Duration.ofSeconds(5)))).build();

  private Mono<String> request(String url, Map<String, String> headers) {
    return client.get().uri(url).headers(h -> headers.forEach(h::set)).retrieve().bodyToMono(String.class);
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
    return "spring-webclient " + SpringVersion.getVersion();
  }

  @Override
  public void close() {}
}
