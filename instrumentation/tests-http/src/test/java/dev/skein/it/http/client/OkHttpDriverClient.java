package dev.skein.it.http.client;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/** OkHttp: {@code Call.execute} and {@code Call.enqueue}; runs on OkHttp 4 and 5 alike. */
final class OkHttpDriverClient implements DriverClient {
  private final OkHttpClient client =
      new OkHttpClient.Builder().connectTimeout(2, TimeUnit.SECONDS).readTimeout(5, TimeUnit.SECONDS).build();

  private static Request request(String url, Map<String, String> headers) {
    Request.Builder builder = new Request.Builder().url(url);
    headers.forEach(builder::header);
    return builder.build();
  }

  private static String body(Response response) throws IOException {
    try (response) {
      if (response.code() != 200) {
        throw new IOException("status " + response.code());
      }
      return response.body().string();
    }
  }

  @Override
  public String get(String url, Map<String, String> headers) throws IOException {
    return body(client.newCall(request(url, headers)).execute());
  }

  @Override
  public CompletableFuture<String> getAsync(String url, Map<String, String> headers) {
    CompletableFuture<String> result = new CompletableFuture<>();
    client.newCall(request(url, headers)).enqueue(
        new Callback() {
          @Override
          public void onFailure(Call call, IOException e) {
            result.completeExceptionally(e);
          }

          @Override
          public void onResponse(Call call, Response response) {
            try {
              result.complete(body(response));
            } catch (IOException e) {
              result.completeExceptionally(e);
            }
          }
        });
    return result;
  }

  @Override
  public String describe() {
    try {
      // Read at run time: the constant would be inlined from the version compiled against.
      return "okhttp " + Class.forName("okhttp3.OkHttp").getField("VERSION").get(null);
    } catch (ReflectiveOperationException e) {
      return "okhttp unknown";
    }
  }

  @Override
  public void close() {
    client.dispatcher().executorService().shutdown();
    client.connectionPool().evictAll();
  }
}
