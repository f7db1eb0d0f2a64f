package dev.skein.it.apps.resilience;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * A plain OkHttp client with no mesh code, driven on stdin:
 *
 * <pre>
 *   send COUNT URL [GET|POST] [apache|apache-async]
 * </pre>
 *
 * (the last word sends GETs with Apache HttpClient 5 instead, counting statuses and errors only)
 *
 * answers {@code result ok=N failed=N statuses={200=..} faults=N errors={SocketTimeoutException=..}
 * maxMillis=M bodies={v1=..} refused={circuit-open=..}}: ok counts 2xx, faults counts responses with
 * {@code x-skein-fault}, refused counts responses with {@code x-skein-refused} by its value.
 */
public final class OkHttpDriver {
  private OkHttpDriver() {}

  public static void main(String[] args) throws Exception {
    OkHttpClient client = new OkHttpClient.Builder().readTimeout(10, TimeUnit.SECONDS).build();
    System.out.println("ready");
    System.out.flush();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line; (line = in.readLine()) != null; ) {
      String[] parts = line.trim().split("\\s+");
      if (parts.length < 3 || !parts[0].equals("send")) {
        System.out.println("error unknown command: " + line);
        System.out.flush();
        continue;
      }
      int count = Integer.parseInt(parts[1]);
      String method = parts.length > 3 ? parts[3] : "GET";
      Map<Integer, Integer> statuses = new TreeMap<>();
      Map<String, Integer> errors = new TreeMap<>();
      Map<String, Integer> bodies = new TreeMap<>();
      Map<String, Integer> refused = new TreeMap<>();
      int ok = 0;
      int faults = 0;
      long maxMillis = 0;
      for (int i = 0; i < count; i++) {
        Request.Builder request = new Request.Builder().url(parts[2]);
        if (method.equals("POST")) {
          request.post(RequestBody.create("order", (okhttp3.MediaType) null));
        }
        long start = System.nanoTime();
        if (parts.length > 4) {
          try {
            String[] answer = dev.skein.it.apps.telemetry.ApacheChainCalls.get(parts[4], parts[2]);
            int code = Integer.parseInt(answer[0]);
            statuses.merge(code, 1, Integer::sum);
            if (code >= 200 && code < 300) {
              ok++;
            }
          } catch (Exception e) {
            errors.merge(e.getClass().getSimpleName(), 1, Integer::sum);
          }
          maxMillis = Math.max(maxMillis, (System.nanoTime() - start) / 1_000_000);
          continue;
        }
        try (Response response = client.newCall(request.build()).execute()) {
          String body = response.body() == null ? "" : response.body().string();
          statuses.merge(response.code(), 1, Integer::sum);
          if (response.isSuccessful()) {
            ok++;
            bodies.merge(body, 1, Integer::sum);
          }
          String refusal = response.header("x-skein-refused");
          if (refusal != null) {
            refused.merge(refusal, 1, Integer::sum);
          }
          if (response.header("x-skein-fault") != null) {
            faults++;
          }
        } catch (IOException e) {
          errors.merge(e.getClass().getSimpleName(), 1, Integer::sum);
        }
        maxMillis = Math.max(maxMillis, (System.nanoTime() - start) / 1_000_000);
      }
      System.out.println(
          "result ok=" + ok + " failed=" + (count - ok) + " statuses=" + statuses + " faults=" + faults + " errors=" + errors
              + " maxMillis=" + maxMillis + " bodies=" + bodies + " refused=" + refused);
      System.out.flush();
    }
  }
}
