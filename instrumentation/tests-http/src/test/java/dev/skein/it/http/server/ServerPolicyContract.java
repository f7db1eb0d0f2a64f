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
 * The server-side policies on an HTTP server library, through real etcd, one server JVM for all
 * cases: the RateLimitPolicy (this test sends 200 requests a second, open loop, for 4 s straight to
 * the {@code orders} server's port; the server lets the policy's rate through and answers 429 with
 * {@code x-skein-refused: rate-limited} to the rest), the AuthorizationPolicy (paths, methods,
 * DENY beating ALLOW, a change in force within a second of {@code etcdctl put}), and the server
 * telemetry ({@code http.server.request.duration} on the admin {@code /metrics}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ServerPolicyContract {
  private static final String KEY = "/skein/policies/default/RateLimitPolicy/orders";
  private static final String AUTHZ = "/skein/policies/default/AuthorizationPolicy/";
  private static final String PROBE = "/skein/policies/default/RateLimitPolicy/watch-probe";
  private EtcdServer etcd;
  private MeshJvm server;
  private int port;
  private int adminPort;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

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
            .property("skein.admin.port", Integer.toString(adminPort = dev.skein.it.support.FreePorts.next()))
            .env("ECHO_VERSION", "v1")
            .classPath(classPath())
            .start(app().getName());
    String[] listening = server.awaitLineStartingWith("listening", Duration.ofSeconds(30)).split(" ");
    port = Integer.parseInt(listening[1]);
    assertThat(listening[2]).as("the library version the server ran").startsWith(expectedLibraryVersion());
    for (int i = 0; i < 100 && !server.agentLog().contains("policies from etcd"); i++) {
      Thread.sleep(100);
    }
    // A probe policy through the agent's etcd watch: from then on a put reaches it at once.
    etcd.put(PROBE, "kind: RateLimitPolicy\nmetadata: {name: watch-probe}\nspec: {selector: {service: nobody}, requestsPerSecond: 1}\n");
    for (int i = 0; i < 300 && !server.agentLog().contains("from etcd: 1 policies"); i++) {
      Thread.sleep(100);
    }
    etcd.delete(PROBE);
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
    etcd.delete(KEY);
    for (int i = 0; i < 50 && !server.agentLog().contains("rate limit for orders removed"); i++) {
      Thread.sleep(100);
    }
  }

  @Test
  void authorizesByPathAndMethodAndDenyWins() throws Exception {
    etcd.ctl(Duration.ofSeconds(10), "del", "--prefix", AUTHZ);
    assertThat(status("GET", "/other")).isEqualTo(200);
    etcd.put(
        AUTHZ + "orders-allow",
        """
        kind: AuthorizationPolicy
        metadata: {name: orders-allow}
        spec:
          selector: {service: orders}
          action: ALLOW
          rules:
            - to: [{methods: [GET], paths: ["/api/*"]}]
        """);
    long put = System.nanoTime();
    while (status("GET", "/other") != 403 && System.nanoTime() - put < 5_000_000_000L) {
      Thread.sleep(10);
    }
    long millis = (System.nanoTime() - put) / 1_000_000;
    System.out.printf("%s authorization change in force %d ms after etcdctl put returned%n", app().getSimpleName(), millis);
    assertThat(millis).as("from etcdctl put to the first 403").isLessThan(1000);
    assertThat(status("GET", "/api/items")).isEqualTo(200);
    assertThat(status("POST", "/api/items")).as("a method no rule allows").isEqualTo(403);
    HttpResponse<String> refused = send("GET", "/other");
    assertThat(refused.headers().firstValue("x-skein-refused")).hasValue("denied");
    assertThat(refused.body()).doesNotContain("v1"); // the application's handler never ran

    etcd.put(
        AUTHZ + "orders-deny",
        """
        kind: AuthorizationPolicy
        metadata: {name: orders-deny}
        spec:
          action: DENY
          rules: [{to: [{paths: ["/api/secret"]}]}]
        """);
    put = System.nanoTime();
    while (status("GET", "/api/secret") != 403 && System.nanoTime() - put < 5_000_000_000L) {
      Thread.sleep(10);
    }
    assertThat(status("GET", "/api/secret")).as("DENY beats ALLOW").isEqualTo(403);
    assertThat(status("GET", "/api/items")).isEqualTo(200);
    etcd.ctl(Duration.ofSeconds(10), "del", "--prefix", AUTHZ);
    put = System.nanoTime();
    while (status("GET", "/other") != 200 && System.nanoTime() - put < 5_000_000_000L) {
      Thread.sleep(10);
    }
  }

  @Test
  void recordsServerRequestDurations() throws Exception {
    for (int i = 0; i < 50 && !server.agentLog().contains("telemetry ready"); i++) {
      Thread.sleep(100);
    }
    for (int i = 0; i < 3; i++) {
      status("GET", "/api/measured");
    }
    String metrics = "";
    for (int i = 0; i < 50 && !metrics.contains("http_server_request_duration_seconds_count"); i++) {
      Thread.sleep(100);
      metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/metrics")).build(),
          HttpResponse.BodyHandlers.ofString()).body();
    }
    assertThat(metrics.lines().filter(l -> l.startsWith("http_server_request_duration_seconds_count")))
        .as(metrics)
        .anySatisfy(l -> assertThat(l).contains("http_request_method=\"GET\"").contains("http_response_status_code=\"200\""));
  }

  private int status(String method, String path) throws Exception {
    return send(method, path).statusCode();
  }

  private HttpResponse<String> send(String method, String path) throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .method(method, HttpRequest.BodyPublishers.noBody())
            .timeout(Duration.ofSeconds(10))
            .build();
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }
}
