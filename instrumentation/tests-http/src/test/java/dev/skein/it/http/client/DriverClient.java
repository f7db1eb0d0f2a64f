package dev.skein.it.http.client;

import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * One HTTP client library as the drivers use it: GET a URL with some headers and return the body
 * of a 200 response (anything else fails). Implementations contain no mesh code.
 */
interface DriverClient extends AutoCloseable {
  String get(String url, Map<String, String> headers) throws Exception;

  /** The library's own asynchronous call; completes on the library's threads. */
  CompletableFuture<String> getAsync(String url, Map<String, String> headers);

  /** The library's name and version, as loaded. */
  String describe();

  @Override
  void close() throws java.io.IOException;

  static DriverClient create(String library) throws Exception {
    return switch (library) {
      case "urlconnection" -> new UrlConnectionDriverClient();
      case "okhttp" -> new OkHttpDriverClient();
      case "apache" -> new ApacheDriverClient();
      case "reactor" -> new ReactorNettyDriverClient();
      case "webclient" -> new WebClientDriverClient();
      default -> throw new IllegalArgumentException("unknown library " + library);
    };
  }
}
