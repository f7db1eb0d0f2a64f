package dev.skein.it.bench;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.stub.ClientCalls;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import okhttp3.ConnectionPool;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.HdrHistogram.Histogram;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.http.io.entity.EntityUtils;

/**
 * The per-library benchmark's client: one library ({@code okhttp}, {@code apache}, {@code jdk} or
 * {@code grpc}) calling one target over one connection (one channel), no mesh code, driven on
 * stdin with the commands and answers of {@link LoadGenerator} that a sequential client can give:
 *
 * <pre>
 *   warm COUNT              sequential requests, not measured
 *   closed 1 MILLIS         sequential requests for MILLIS, each one's latency recorded
 * </pre>
 *
 * The target is {@code http://127.0.0.1:PORT/bench} or {@code 127.0.0.1:PORT} without the mesh,
 * {@code http://echo/bench} or {@code echo} under the agent.
 */
public final class LibraryClient {
  private static final long MAX_NANOS = TimeUnit.SECONDS.toNanos(60);

  /** One request, its response read in full; throws unless it succeeded. */
  interface Call {
    void call() throws Exception;
  }

  private LibraryClient() {}

  public static void main(String[] args) throws Exception {
    Call call = call(args[0], args[1]);
    System.out.println("ready");
    System.out.flush();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line; (line = in.readLine()) != null; ) {
      String[] p = line.trim().split("\\s+");
      String answer =
          switch (p[0]) {
            case "warm" -> warm(call, Integer.parseInt(p[1]));
            case "closed" -> p[1].equals("1") ? sequential(call, Long.parseLong(p[2])) : "error one connection only: " + line;
            default -> "error unknown command " + line;
          };
      System.out.println(answer);
      System.out.flush();
    }
  }

  static Call call(String library, String target) {
    return switch (library) {
      case "okhttp" -> okHttp(target);
      case "apache" -> apache(target);
      case "grpc" -> grpc(target);
      case "jdk" -> jdkHttpClient(target);
      default -> throw new IllegalArgumentException("unknown library " + library + " (okhttp, apache, grpc, jdk)");
    };
  }

  private static Call okHttp(String url) {
    OkHttpClient client = new OkHttpClient.Builder().connectionPool(new ConnectionPool(1, 5, TimeUnit.MINUTES)).build();
    Request request = new Request.Builder().url(url).build();
    return () -> {
      try (Response response = client.newCall(request).execute()) {
        response.body().bytes();
        if (response.code() != 200) {
          throw new IOException("status " + response.code());
        }
      }
    };
  }

  private static Call apache(String url) {
    CloseableHttpClient client =
        HttpClients.custom()
            .setConnectionManager(PoolingHttpClientConnectionManagerBuilder.create().setMaxConnTotal(1).setMaxConnPerRoute(1).build())
            .build();
    return () -> {
      int status =
          client.execute(
              new HttpGet(url),
              response -> {
                EntityUtils.consume(response.getEntity());
                return response.getCode();
              });
      if (status != 200) {
        throw new IOException("status " + status);
      }
    };
  }

  private static Call jdkHttpClient(String url) {
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpRequest request = HttpRequest.newBuilder(URI.create(url)).build();
    return () -> {
      HttpResponse<byte[]> response = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
      if (response.statusCode() != 200) {
        throw new IOException("status " + response.statusCode());
      }
    };
  }

  private static Call grpc(String target) {
    ManagedChannel channel = ManagedChannelBuilder.forTarget(target).usePlaintext().build();
    byte[] payload = "0123456789abcdef".getBytes(StandardCharsets.UTF_8);
    return () -> {
      byte[] answer = ClientCalls.blockingUnaryCall(channel, GrpcEcho.ECHO, CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS), payload);
      if (answer.length != payload.length) {
        throw new IOException("answer of " + answer.length + " bytes");
      }
    };
  }

  private static String warm(Call call, int count) {
    Outcome outcome = new Outcome();
    for (int i = 0; i < count; i++) {
      outcome.send(call, null);
    }
    return "warm ok=" + outcome.ok + " failed=" + outcome.failed + outcome.last();
  }

  private static String sequential(Call call, long millis) {
    Outcome outcome = new Outcome();
    Histogram histogram = new Histogram(MAX_NANOS, 3);
    long start = System.nanoTime();
    long deadline = start + TimeUnit.MILLISECONDS.toNanos(millis);
    while (System.nanoTime() < deadline) {
      outcome.send(call, histogram);
    }
    long elapsed = (System.nanoTime() - start) / 1_000_000;
    return "closed ok=" + outcome.ok + " failed=" + outcome.failed + " millis=" + elapsed + " lag_p50_ns=0 hist="
        + LoadCommands.encode(histogram) + outcome.last();
  }

  /** Counts of one command's requests. */
  private static final class Outcome {
    long ok;
    long failed;
    String first;
    String last;

    void send(Call call, Histogram histogram) {
      long start = System.nanoTime();
      try {
        call.call();
        if (histogram != null) {
          histogram.recordValue(Math.min(MAX_NANOS, System.nanoTime() - start));
        }
        ok++;
      } catch (Exception e) {
        failed++;
        last = String.valueOf(e);
        first = first == null ? last : first;
      }
    }

    String last() {
      return last == null ? "" : (" last=" + last + " (first: " + first + ")").replace('\n', ' ');
    }
  }
}
