package dev.skein.it.http.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skein.it.support.EtcdServer;
import dev.skein.it.support.FreePorts;
import dev.skein.it.support.MeshJvm;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The server-side policies on every HTTP server library, through real etcd: one server JVM per
 * library, each its own mesh service, all started side by side and serving every case. The
 * RateLimitPolicy (this test sends 200 requests a second, open loop, for 4 s straight to the
 * server's port; the server lets the policy's rate through and answers 429 with
 * {@code x-skein-refused: rate-limited} to the rest), the AuthorizationPolicy (paths, methods, DENY
 * beating ALLOW, a change in force within a second of {@code etcdctl put}), and the server
 * telemetry ({@code http.server.request.duration} on the admin {@code /metrics}).
 *
 * <p>Where each library decides: the JDK's {@code HttpServer} in {@code AuthFilter.doFilter}, before
 * the context's handler; Jetty 12 (core handler) in {@code Server.handle}; Reactor Netty
 * {@code HttpServer} in the wrapped {@code handle} handler; Tomcat 10.1 and 11 in
 * {@code CoyoteAdapter.service}, before the container; Undertow 2.3 around the root handler.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpServersPoliciesIT {
  private static final String AUTHZ = "/skein/policies/default/AuthorizationPolicy/";
  private static final String PROBE = "/skein/policies/default/RateLimitPolicy/watch-probe";

  /** One server library: its mesh service, app, class path and the library version it must report. */
  private record Library(String service, Class<?> app, String classPath, String version) {}

  /** A running server of one library. */
  private record Server(Library library, MeshJvm jvm, int port, int adminPort) {}

  private EtcdServer etcd;
  private final Map<String, Server> servers = new LinkedHashMap<>();
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  static Stream<String> services() {
    return libraries().stream().map(Library::service);
  }

  private static List<Library> libraries() {
    return List.of(
        new Library("jdk", JdkServerApp.class, ServerDiscoveryContract.testClassPathWithout("tomcat-", "jetty-"), ""),
        new Library("jetty", JettyCoreApp.class, ServerDiscoveryContract.testClassPathWithout("tomcat-"), "12."),
        new Library("reactor-netty", ReactorNettyServerApp.class, ServerDiscoveryContract.testClassPathWithout("tomcat-", "jetty-"), "1.3."),
        new Library("tomcat10", TomcatApp.class, new Tomcat10DiscoveryIT().classPath(), "10.1."),
        new Library("tomcat", TomcatApp.class, ServerDiscoveryContract.testClassPathWithout("jetty-"), "11.0."),
        new Library("undertow", UndertowApp.class, ServerDiscoveryContract.testClassPathWithout("tomcat-"), "2.3"));
  }

  @BeforeAll
  void start() throws Exception {
    etcd = EtcdServer.started();
    Map<Library, MeshJvm> started = new LinkedHashMap<>();
    Map<Library, Integer> adminPorts = new LinkedHashMap<>();
    for (Library library : libraries()) {
      int adminPort = FreePorts.next();
      adminPorts.put(library, adminPort);
      started.put(library,
          MeshJvm.builder(library.app().getSimpleName() + "-" + library.service())
              .property("skein.service", library.service())
              .property("skein.etcd.endpoints", etcd.endpoint())
              .property("skein.admin.port", Integer.toString(adminPort))
              .env("ECHO_VERSION", "v1")
              .classPath(library.classPath())
              .start(library.app().getName()));
    }
    for (Map.Entry<Library, MeshJvm> e : started.entrySet()) {
      String[] listening = e.getValue().awaitLineStartingWith("listening", Duration.ofSeconds(60)).split(" ");
      assertThat(listening[2]).as("the library version " + e.getKey().service() + " ran").startsWith(e.getKey().version());
      servers.put(e.getKey().service(), new Server(e.getKey(), e.getValue(), Integer.parseInt(listening[1]), adminPorts.get(e.getKey())));
    }
    for (Server s : servers.values()) {
      for (int i = 0; i < 300 && !s.jvm().agentLog().contains("policies from etcd"); i++) {
        Thread.sleep(100);
      }
    }
    // A probe policy through every agent's etcd watch: from then on a put reaches them at once.
    etcd.put(PROBE, "kind: RateLimitPolicy\nmetadata: {name: watch-probe}\nspec: {selector: {service: nobody}, requestsPerSecond: 1}\n");
    for (Server s : servers.values()) {
      for (int i = 0; i < 300 && !s.jvm().agentLog().contains("from etcd: 1 policies"); i++) {
        Thread.sleep(100);
      }
    }
    etcd.delete(PROBE);
  }

  @AfterAll
  void stop() throws Exception {
    for (Server s : servers.values()) {
      s.jvm().close();
    }
    if (etcd != null) {
      etcd.close();
    }
  }

  /** Status counts, plus "refused" for responses carrying the mesh's header. */
  private static Map<String, Integer> pace(Server server, int rps, int seconds) throws Exception {
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/api/items")).build();
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

  @ParameterizedTest(name = "{0}")
  @MethodSource("services")
  void acceptsTheSetRateAndAnswers429ToTheRest(String service) throws Exception {
    Server server = servers.get(service);
    String key = "/skein/policies/default/RateLimitPolicy/" + service;
    pace(server, 20, 1); // warm up
    etcd.put(
        key,
        """
        kind: RateLimitPolicy
        metadata: {name: %s}
        spec:
          selector: {service: %s}
          requestsPerSecond: 50
          burst: 0
        """.formatted(service, service));
    for (int i = 0; i < 50 && !server.jvm().agentLog().contains("rate limit for " + service + ": 50.0"); i++) {
      Thread.sleep(100);
    }
    Thread.sleep(200);
    Map<String, Integer> counts = pace(server, 200, 4);
    int ok = counts.getOrDefault("200", 0);
    System.out.printf("%s rate limit 50 rps, burst 0, 200 rps sent for 4 s: %d accepted %s%n", service, ok, counts);
    assertThat(ok).as(counts + "\n" + server.jvm().agentLog()).isBetween(180, 220);
    assertThat(counts.get("429")).isEqualTo(800 - ok);
    assertThat(counts.get("refused")).isEqualTo(800 - ok);
    etcd.delete(key);
    for (int i = 0; i < 50 && !server.jvm().agentLog().contains("rate limit for " + service + " removed"); i++) {
      Thread.sleep(100);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("services")
  void authorizesByPathAndMethodAndDenyWins(String service) throws Exception {
    Server server = servers.get(service);
    etcd.ctl(Duration.ofSeconds(10), "del", "--prefix", AUTHZ);
    assertThat(status(server, "GET", "/other")).isEqualTo(200);
    etcd.put(
        AUTHZ + service + "-allow",
        """
        kind: AuthorizationPolicy
        metadata: {name: %s-allow}
        spec:
          selector: {service: %s}
          action: ALLOW
          rules:
            - to: [{methods: [GET], paths: ["/api/*"]}]
        """.formatted(service, service));
    long put = System.nanoTime();
    while (status(server, "GET", "/other") != 403 && System.nanoTime() - put < 5_000_000_000L) {
      Thread.sleep(10);
    }
    long millis = (System.nanoTime() - put) / 1_000_000;
    System.out.printf("%s authorization change in force %d ms after etcdctl put returned%n", service, millis);
    assertThat(millis).as("from etcdctl put to the first 403").isLessThan(1000);
    assertThat(status(server, "GET", "/api/items")).isEqualTo(200);
    assertThat(status(server, "POST", "/api/items")).as("a method no rule allows").isEqualTo(403);
    HttpResponse<String> refused = send(server, "GET", "/other");
    assertThat(refused.headers().firstValue("x-skein-refused")).hasValue("denied");
    assertThat(refused.body()).doesNotContain("v1"); // the application's handler never ran

    etcd.put(
        AUTHZ + "namespace-deny",
        """
        kind: AuthorizationPolicy
        metadata: {name: namespace-deny}
        spec:
          action: DENY
          rules: [{to: [{paths: ["/api/secret"]}]}]
        """);
    put = System.nanoTime();
    while (status(server, "GET", "/api/secret") != 403 && System.nanoTime() - put < 5_000_000_000L) {
      Thread.sleep(10);
    }
    assertThat(status(server, "GET", "/api/secret")).as("DENY beats ALLOW").isEqualTo(403);
    assertThat(status(server, "GET", "/api/items")).isEqualTo(200);
    etcd.ctl(Duration.ofSeconds(10), "del", "--prefix", AUTHZ);
    put = System.nanoTime();
    while (status(server, "GET", "/other") != 200 && System.nanoTime() - put < 5_000_000_000L) {
      Thread.sleep(10);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("services")
  void recordsServerRequestDurations(String service) throws Exception {
    Server server = servers.get(service);
    for (int i = 0; i < 50 && !server.jvm().agentLog().contains("telemetry ready"); i++) {
      Thread.sleep(100);
    }
    for (int i = 0; i < 3; i++) {
      status(server, "GET", "/api/measured");
    }
    String metrics = "";
    for (int i = 0; i < 50 && !metrics.contains("http_server_request_duration_seconds_count"); i++) {
      Thread.sleep(100);
      metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.adminPort() + "/metrics")).build(),
          HttpResponse.BodyHandlers.ofString()).body();
    }
    assertThat(metrics.lines().filter(l -> l.startsWith("http_server_request_duration_seconds_count")))
        .as(metrics)
        .anySatisfy(l -> assertThat(l).contains("http_request_method=\"GET\"").contains("http_response_status_code=\"200\""));
  }

  private int status(Server server, String method, String path) throws Exception {
    return send(server, method, path).statusCode();
  }

  private HttpResponse<String> send(Server server, String method, String path) throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
            .method(method, HttpRequest.BodyPublishers.noBody())
            .timeout(Duration.ofSeconds(10))
            .build();
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }
}
