package dev.skein.it.http.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skein.it.support.EtcdServer;
import dev.skein.it.support.MeshJvm;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The server-side RateLimitPolicy on an HTTP server library, through real etcd: this test sends 200 requests a
 * second, open loop, for 4 s straight to the {@code orders} server's port; the server lets the
 * policy's rate through and answers 429 with {@code x-skein-refused: rate-limited} to the rest.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class RateLimitContract {
  private static final String KEY = "/skein/policies/default/RateLimitPolicy/orders";
  private EtcdServer etcd;
  private MeshJvm server;
  private int port;

  /** The server app's main class. */
  abstract Class<?> app();

  /** The library version the app must report, as a prefix. */
  abstract String expectedLibraryVersion();

  /** The server JVM's class path. */
  abstract String classPath();

  @BeforeAll
  void start() throws Exception {
    etcd = EtcdServer.started();
    server =
        MeshJvm.builder(app().getSimpleName())
            .property("skein.service", "orders")
            .property("skein.etcd.endpoints", etcd.endpoint())
            .env("ECHO_VERSION", "v1")
            .classPath(classPath())
            .start(app().getName());
    String[] listening = server.awaitLineStartingWith("listening", Duration.ofSeconds(30)).split(" ");
    port = Integer.parseInt(listening[1]);
    assertThat(listening[2]).as("the library version the server ran").startsWith(expectedLibraryVersion());
    for (int i = 0; i < 100 && !server.agentLog().contains("policies from etcd"); i++) {
      Thread.sleep(100);
    }
  }

  @AfterAll
  void stop() throws Exception {
    for (AutoCloseable c : new AutoCloseable[] {server, etcd}) {
      if (c != null) {
        c.close();
      }
    }
  }

  /** Status counts, plus "refused" for responses carrying the mesh's header. */
  Map<String, Integer> pace(int rps, int seconds) throws Exception {
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/items")).build();
    List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
    long interval = 1_000_000_000L / rps;
    long start = System.nanoTime();
    for (int i = 0; i < rps * seconds; i++) {
      long wait = start + i * interval - System.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(wait);
      }
      calls.add(client.sendAsync(request, HttpResponse.BodyHandlers.ofString()));
    }
    Map<String, Integer> counts = new TreeMap<>();
    for (CompletableFuture<HttpResponse<String>> call : calls) {
      HttpResponse<String> response = call.get();
      counts.merge(String.valueOf(response.statusCode()), 1, Integer::sum);
      if (response.headers().firstValue("x-skein-refused").orElse("").equals("rate-limited")) {
        counts.merge("refused", 1, Integer::sum);
      }
    }
    return counts;
  }

  @Test
  void acceptsTheSetRateAndAnswers429ToTheRest() throws Exception {
    pace(20, 1); // warm up
    etcd.put(
        KEY,
        """
        kind: RateLimitPolicy
        metadata: {name: orders}
        spec:
          selector: {service: orders}
          requestsPerSecond: 50
          burst: 0
        """);
    for (int i = 0; i < 50 && !server.agentLog().contains("rate limit for orders: 50.0"); i++) {
      Thread.sleep(100);
    }
    Thread.sleep(200);
    Map<String, Integer> counts = pace(200, 4);
    int ok = counts.getOrDefault("200", 0);
    System.out.printf("%s rate limit 50 rps, burst 0, 200 rps sent for 4 s: %d accepted %s%n", app().getSimpleName(), ok, counts);
    assertThat(ok).as(counts + "\n" + server.agentLog()).isBetween(180, 220);
    assertThat(counts.get("429")).isEqualTo(800 - ok);
    assertThat(counts.get("refused")).isEqualTo(800 - ok);
  }
}
