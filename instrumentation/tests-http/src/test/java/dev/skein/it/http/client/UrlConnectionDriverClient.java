package dev.skein.it.http.client;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** {@code java.net.HttpURLConnection}: synchronous only (it has no asynchronous API). */
final class UrlConnectionDriverClient implements DriverClient {
  @Override
  public String get(String url, Map<String, String> headers) throws IOException {
    HttpURLConnection connection = (HttpURLConnection) new URL(url).openConnection();
    connection.setConnectTimeout(2000);
    connection.setReadTimeout(5000);
    headers.forEach(connection::setRequestProperty);
    int status = connection.getResponseCode();
    try (InputStream body = status == 200 ? connection.getInputStream() : connection.getErrorStream()) {
      String text = body == null ? "" : new String(body.readAllBytes(), StandardCharsets.UTF_8);
      if (status != 200) {
        throw new IOException("status " + status);
      }
      return text;
    }
  }

  @Override
  public CompletableFuture<String> getAsync(String url, Map<String, String> headers) {
    return CompletableFuture.failedFuture(new UnsupportedOperationException("HttpURLConnection has no async API"));
  }

  @Override
  public String describe() {
    return "urlconnection " + System.getProperty("java.version");
  }

  @Override
  public void close() {}
}
