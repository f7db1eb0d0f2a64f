package dev.skein.it.http.client;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.hc.client5.http.async.methods.SimpleHttpRequest;
import org.apache.hc.client5.http.async.methods.SimpleHttpResponse;
import org.apache.hc.client5.http.async.methods.SimpleRequestBuilder;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.async.HttpAsyncClients;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.core5.concurrent.FutureCallback;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.util.VersionInfo;

/** Apache HttpClient 5: the classic client for sync, the async client for async. */
final class ApacheDriverClient implements DriverClient {
  private final CloseableHttpClient classic = HttpClients.createDefault();
  private final CloseableHttpAsyncClient async = HttpAsyncClients.createDefault();

  ApacheDriverClient() {
    async.start();
  }

  @Override
  public String get(String url, Map<String, String> headers) throws IOException {
    HttpGet get = new HttpGet(url);
    headers.forEach(get::setHeader);
    return classic.execute(
        get,
        response -> {
          String body = EntityUtils.toString(response.getEntity());
          if (response.getCode() != 200) {
            throw new IOException("status " + response.getCode());
          }
          return body;
        });
  }

  @Override
  public CompletableFuture<String> getAsync(String url, Map<String, String> headers) {
    SimpleRequestBuilder builder = SimpleRequestBuilder.get(url);
    headers.forEach(builder::setHeader);
    SimpleHttpRequest request = builder.build();
    CompletableFuture<String> result = new CompletableFuture<>();
    async.execute(
        request,
        new FutureCallback<SimpleHttpResponse>() {
          @Override
          public void completed(SimpleHttpResponse response) {
            if (response.getCode() == 200) {
              result.complete(response.getBodyText());
            } else {
              result.completeExceptionally(new IOException("status " + response.getCode()));
            }
          }

          @Override
          public void failed(Exception e) {
            result.completeExceptionally(e);
          }

          @Override
          public void cancelled() {
            result.cancel(false);
          }
        });
    return result;
  }

  @Override
  public String describe() {
    VersionInfo info = VersionInfo.loadVersionInfo("org.apache.hc.client5", HttpClients.class.getClassLoader());
    return "apache-httpclient " + (info == null ? "unknown" : info.getRelease());
  }

  @Override
  public void close() throws IOException {
    classic.close();
    async.close();
  }
}
