package dev.skein.it.urlconnection;

import static dev.skein.it.telemetry.OtlpReceiver.attr;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.skein.it.demo.SkeinCli;
import dev.skein.it.support.EtcdServer;
import dev.skein.it.support.MeshJvm;
import dev.skein.it.support.Policies;
import dev.skein.it.telemetry.OtlpReceiver;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * {@code java.net.HttpURLConnection} under the whole mesh, with no mesh code in the application:
 * real etcd, the real control plane's CA, an OTLP receiver decoding the real protobufs, a JDK
 * {@code HttpServer} as {@code orders} (answering the TLS protocol and SPIFFE ID it sees, or
 * {@code plaintext}) and two caller JVMs, one on Java 17 and one on Java 25 (the JDK classes the
 * agent instruments differ between them), all under the agent. One set of processes serves every
 * case, in order: telemetry, mutual TLS (STRICT, {@code tls.mode: DISABLE}, plain text outside the
 * mesh), then the shared policies that fit the API.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class UrlConnectionClientMeshIT {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final String STRICT_KEY = "/skein/policies/default/PeerAuthentication/default";
  private static EtcdServer etcd;
  private static MeshJvm controlPlane;
  private static OtlpReceiver otlp;
  private static MeshJvm orders;
  private static final Map<MeshJvm, String> callers = new LinkedHashMap<>();
  private static MeshJvm client;
  private static HttpServer outside;
  private static final java.util.concurrent.atomic.AtomicInteger failedRequests = new java.util.concurrent.atomic.AtomicInteger();

  @BeforeAll
  static void startMesh() throws Exception {
    etcd = EtcdServer.started();
    controlPlane = new SkeinCli(etcd.endpoint()).startControlPlaneWithNewCa("control-plane", null).jvm();
    otlp = new OtlpReceiver();
    orders = jvm("orders").start("dev.skein.it.apps.mtls.PeerEchoServer");
    client = jvm("huc-client").start(UrlConnectionCaller.class.getName());
    callers.put(client, "spiffe://skein.local/ns/default/sa/huc-client");
    String java25 = System.getProperty("skein.it.java25", "");
    if (System.getenv("CI") != null || Files.isExecutable(Path.of(java25))) {
      MeshJvm client25 = jvm("huc-client25").java(java25).start(UrlConnectionCaller.class.getName());
      callers.put(client25, "spiffe://skein.local/ns/default/sa/huc-client25");
    }
    orders.awaitLineStartingWith("listening", WAIT);
    for (MeshJvm c : callers.keySet()) {
      c.awaitLineStartingWith("ready", WAIT);
    }
    // A host outside the mesh: a plain-text server in this JVM, no agent.
    outside = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    outside.createContext("/", ex -> {
      byte[] body = "outside".getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(200, body.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(body);
      }
    });
    // A slow one, registered below as the mesh service "slow" (plain text, no agent).
    outside.createContext("/slow", ex -> {
      try {
        Thread.sleep(2000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      ex.sendResponseHeaders(200, -1);
      ex.close();
    });
    // And one that fails every request, registered below as the mesh service "failing".
    outside.createContext("/fail", ex -> {
      failedRequests.incrementAndGet();
      ex.sendResponseHeaders(500, -1);
      ex.close();
    });
    outside.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
    outside.start();
    await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(() ->
        callers.keySet().stream().allMatch(j -> j.agentLog().contains("workload certificate") && j.agentLog().contains("telemetry ready"))
            && orders.agentLog().contains("workload certificate")
            && etcd.getPrefix("/skein/endpoints/default/orders/").contains("\"tls\":true"));
    for (MeshJvm c : callers.keySet()) {
      await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(() -> send(c, 1, "http://orders/warmup").contains("ok=1 "));
    }
  }

  static MeshJvm.Builder jvm(String service) {
    return MeshJvm.builder(service)
        .property("skein.service", service)
        .property("skein.etcd.endpoints", etcd.endpoint())
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", otlp.endpoint())
        .env("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
        .env("OTEL_METRIC_EXPORT_INTERVAL", "500")
        .env("OTEL_BSP_SCHEDULE_DELAY", "100");
  }

  @AfterAll
  static void stopMesh() throws Exception {
    if (outside != null) {
      outside.stop(0);
    }
    for (MeshJvm c : callers.keySet()) {
      c.close();
    }
    for (AutoCloseable c : new AutoCloseable[] {orders, controlPlane, otlp, etcd}) {
      if (c != null) {
        c.close();
      }
    }
  }

  private static String send(MeshJvm caller, int count, String url) throws Exception {
    int before = caller.stdoutLines().size();
    caller.send("send " + count + " " + url);
    await().atMost(WAIT).until(() -> caller.stdoutLines().stream().skip(before).anyMatch(l -> l.startsWith("result")));
    return caller.stdoutLines().stream().skip(before).filter(l -> l.startsWith("result")).findFirst().orElseThrow();
  }

  @Test
  @Order(1)
  void clientAndAttemptSpansMetricsAndTraceContextReachTheServer() throws Exception {
    for (MeshJvm c : callers.keySet()) {
      String service = callers.get(c).substring(callers.get(c).lastIndexOf('/') + 1);
      int callsBefore = otlp.spans(service, Span.SpanKind.SPAN_KIND_CLIENT).size();
      int triesBefore = otlp.spans(service, Span.SpanKind.SPAN_KIND_INTERNAL).size();
      assertThat(send(c, 5, "http://orders/items?x=1")).as(c.agentLog()).contains("ok=5 failed=0");
      await().atMost(WAIT).until(() -> otlp.spans(service, Span.SpanKind.SPAN_KIND_CLIENT).size() >= callsBefore + 5);
      List<Span> calls = otlp.spans(service, Span.SpanKind.SPAN_KIND_CLIENT).stream().skip(callsBefore).toList();
      List<Span> tries = otlp.spans(service, Span.SpanKind.SPAN_KIND_INTERNAL).stream().skip(triesBefore).toList();
      assertThat(calls).as(service).hasSize(5);
      // One try each, nothing the mesh decided: no try spans (skein.telemetry.attempt.spans=retries),
      // the call span names the try's endpoint.
      assertThat(tries).as(service).isEmpty();
      assertThat(calls).allSatisfy(span -> {
        assertThat(attr(span.getAttributesList(), "skein.attempts")).isEqualTo("1");
        assertThat(attr(span.getAttributesList(), "skein.endpoint")).matches(".+:[1-9]\\d*");
      });
      Span call = calls.get(0);
      assertThat(attr(call.getAttributesList(), "http.request.method")).isEqualTo("GET");
      assertThat(attr(call.getAttributesList(), "url.full")).isEqualTo("http://orders/items?x=1");
      assertThat(attr(call.getAttributesList(), "server.address")).isEqualTo("orders");
      assertThat(attr(call.getAttributesList(), "server.port")).isEqualTo("80");
      assertThat(attr(call.getAttributesList(), "url.path")).isEqualTo("/items");
      assertThat(attr(call.getAttributesList(), "http.response.status_code")).isEqualTo("200");
      assertThat(attr(call.getAttributesList(), "skein.destination.service")).isEqualTo("default/orders");
      Set<com.google.protobuf.ByteString> callIds = calls.stream().map(Span::getSpanId).collect(Collectors.toSet());
      Set<com.google.protobuf.ByteString> ids = new java.util.HashSet<>(callIds);
      // traceparent went out with the request: the server's spans continue the client's traces.
      Set<com.google.protobuf.ByteString> traces = calls.stream().map(Span::getTraceId).collect(Collectors.toSet());
      await().atMost(WAIT).until(() -> otlp.spans("orders", Span.SpanKind.SPAN_KIND_SERVER).stream().filter(s -> traces.contains(s.getTraceId())).count() >= 5);
      List<Span> joined = otlp.spans("orders", Span.SpanKind.SPAN_KIND_SERVER).stream().filter(s -> traces.contains(s.getTraceId())).toList();
      assertThat(joined).hasSize(5);
      for (Span s : joined) {
        assertThat(ids).contains(s.getParentSpanId());
      }
      // The warm-up call and these five.
      await().atMost(WAIT).untilAsserted(() -> {
        assertThat(OtlpReceiver.histogramCount(otlp.latest(service, "http.client.request.duration"))).isEqualTo(6);
        assertThat(OtlpReceiver.counterSum(otlp.latest(service, "skein.requests"))).isEqualTo(6);
      });
    }
  }

  @Test
  @Order(2)
  void meshCallsAreMutualTls13EvenToStrictServersAndPlainTextElsewhere() throws Exception {
    for (var c : callers.entrySet()) {
      assertThat(send(c.getKey(), 5, "http://orders/")).contains("ok=5 failed=0").contains("bodies={TLSv1.3 " + c.getValue() + "=5}");
      // A host outside the mesh keeps plain text (its server speaks nothing else).
      assertThat(send(c.getKey(), 3, "http://127.0.0.1:" + outside.getAddress().getPort() + "/")).contains("ok=3 failed=0").contains("bodies={outside=3}");
    }
    etcd.put(STRICT_KEY, """
        kind: PeerAuthentication
        metadata: {name: default, namespace: default}
        spec:
          mtls: {mode: STRICT}
        """);
    try {
      await().atMost(WAIT).until(() -> orders.agentLog().contains("PeerAuthentication for orders: STRICT"));
      for (var c : callers.entrySet()) {
        assertThat(send(c.getKey(), 5, "http://orders/")).contains("ok=5 failed=0").contains("bodies={TLSv1.3 " + c.getValue() + "=5}");
      }
    } finally {
      etcd.delete(STRICT_KEY);
    }
    await().atMost(WAIT).until(() -> orders.agentLog().contains("PeerAuthentication for orders: PERMISSIVE"));
    etcd.put(Policies.DESTINATION_KEY, """
        kind: DestinationPolicy
        metadata: {name: orders, namespace: default}
        spec:
          host: orders
          tls: {mode: DISABLE}
        """);
    try {
      for (MeshJvm c : callers.keySet()) {
        await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
            assertThat(send(c, 3, "http://orders/")).contains("ok=3 failed=0").contains("bodies={plaintext=3}"));
      }
    } finally {
      etcd.delete(Policies.DESTINATION_KEY);
    }
    for (var c : callers.entrySet()) {
      await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
          assertThat(send(c.getKey(), 3, "http://orders/")).contains("bodies={TLSv1.3 " + c.getValue() + "=3}"));
    }
  }

  @Test
  @Order(3)
  void injectedAbortsAndDelaysAndTheRouteTimeoutAsTheJdksOwnSocketTimeout() throws Exception {
    try {
      route("fault: {abort: {percent: 100, httpStatus: 503}}");
      for (MeshJvm c : callers.keySet()) {
        // getResponseCode, the x-skein-fault header and the error stream, as from a server.
        await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
            assertThat(send(c, 10, "http://orders/")).contains("ok=0 failed=10 statuses={503=10} faults=10").contains("errors={}"));
      }
      // The trace says why: the call's span names the fault.
      await().atMost(WAIT).until(() -> faulted("abort") != null);
      assertThat(attr(faulted("abort").getAttributesList(), "http.response.status_code")).isEqualTo("503");
      route("fault: {delay: {percent: 100, fixedDelay: 300ms}}");
      for (MeshJvm c : callers.keySet()) {
        await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
          String r = send(c, 3, "http://orders/");
          assertThat(r).contains("ok=3 failed=0");
          assertThat(Long.parseLong(r.replaceAll(".*minMillis=(\\d+).*", "$1"))).as(r).isGreaterThanOrEqualTo(300);
        });
      }
      await().atMost(WAIT).until(() -> faulted("delay") != null);
      assertThat(attr(faulted("delay").getAttributesList(), "skein.fault.delay_ms")).isEqualTo("300");
    } finally {
      etcd.delete(Policies.ROUTE_KEY);
    }
    String endpoint = "/skein/endpoints/default/slow/one";
    String slowRoute = "/skein/policies/default/Route/slow";
    etcd.put(endpoint, "{\"address\":\"127.0.0.1\",\"port\":" + outside.getAddress().getPort() + ",\"protocol\":\"http\"}");
    etcd.put(slowRoute, """
        kind: Route
        metadata: {name: slow}
        spec:
          host: slow
          http:
            - name: default
              route:
                - destination: {host: slow}
              timeout: 200ms
        """);
    try {
      for (MeshJvm c : callers.keySet()) {
        // The caller's own read timeout is 10 s; the Route's 200 ms cuts the 2 s server short.
        await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
          String r = send(c, 3, "http://slow/slow");
          assertThat(r).contains("errors={SocketTimeoutException=3}");
          assertThat(Long.parseLong(r.replaceAll(".*maxMillis=(\\d+).*", "$1"))).as(r).isLessThan(1000);
        });
      }
    } finally {
      etcd.delete(slowRoute);
      etcd.delete(endpoint);
    }
  }

  @Test
  @Order(4)
  void theBreakerOpensAndRefusesWithTheMeshHeaderReadThroughGetResponseCode() throws Exception {
    String endpoint = "/skein/endpoints/default/failing/one";
    String breaker = "/skein/policies/default/DestinationPolicy/failing";
    etcd.put(endpoint, "{\"address\":\"127.0.0.1\",\"port\":" + outside.getAddress().getPort() + ",\"protocol\":\"http\"}");
    etcd.put(breaker, """
        kind: DestinationPolicy
        metadata: {name: failing}
        spec:
          host: failing
          circuitBreaker: {failureRateThreshold: 50, minimumCalls: 10, openStateDuration: 30s}
        """);
    try {
      for (MeshJvm c : callers.keySet()) {
        // Ten 500s open the breaker; the calls after them are refused without reaching the server.
        await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
            assertThat(send(c, 20, "http://failing/fail")).contains("refused={circuit-open=").contains("errors={}"));
        assertThat(send(c, 10, "http://failing/fail")).contains("statuses={503=10}").contains("refused={circuit-open=10}");
      }
    } finally {
      etcd.delete(breaker);
      etcd.delete(endpoint);
    }
  }

  /** Retries re-send the request from {@code getInputStream}, on both JDKs' internals. */
  @Test
  @Order(5)
  void a5xxIsRetriedByResendingFromGetInputStream() throws Exception {
    String endpoint = "/skein/endpoints/default/failing/one";
    String route = "/skein/policies/default/Route/failing";
    etcd.put(endpoint, "{\"address\":\"127.0.0.1\",\"port\":" + outside.getAddress().getPort() + ",\"protocol\":\"http\"}");
    etcd.put(route, """
        kind: Route
        metadata: {name: failing}
        spec:
          host: failing
          http:
            - name: default
              route:
                - destination: {host: failing}
              retries: {attempts: 2, retryOn: 5xx}
        """);
    try {
      for (MeshJvm c : callers.keySet()) {
        // Once the Route applies, one call reaches the failing server three times: a try and two retries.
        await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
          failedRequests.set(0);
          assertThat(send(c, 1, "http://failing/fail")).contains("statuses={500=1}");
          assertThat(failedRequests.get()).as(c.agentLog()).isEqualTo(3);
        });
      }
    } finally {
      etcd.delete(route);
      etcd.delete(endpoint);
    }
  }

  /**
   * A connect failure is retried where the JDK connects, here in {@code getOutputStream()} before
   * the body is written: of two endpoints one refuses connections, and every PUT succeeds.
   */
  @Test
  @Order(6)
  void aConnectFailureIsRetriedWhereTheJdkConnects() throws Exception {
    int dead;
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      dead = socket.getLocalPort(); // closed again: connections to it are refused
    }
    String deadKey = "/skein/endpoints/default/twoends/dead";
    String liveKey = "/skein/endpoints/default/twoends/live";
    String route = "/skein/policies/default/Route/twoends";
    etcd.put(deadKey, "{\"address\":\"127.0.0.1\",\"port\":" + dead + ",\"protocol\":\"http\"}");
    etcd.put(liveKey, "{\"address\":\"127.0.0.1\",\"port\":" + outside.getAddress().getPort() + ",\"protocol\":\"http\"}");
    etcd.put(route, """
        kind: Route
        metadata: {name: twoends}
        spec:
          host: twoends
          http:
            - name: default
              route:
                - destination: {host: twoends}
              retries: {attempts: 2, retryOn: connect-failure}
        """);
    try {
      for (MeshJvm c : callers.keySet()) {
        await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
            assertThat(send(c, 10, "http://twoends/ 10000 PUT")).contains("ok=10 ").contains("bodies={outside=10}"));
      }
    } finally {
      etcd.delete(route);
      etcd.delete(deadKey);
      etcd.delete(liveKey);
    }
  }

  /**
   * {@code maxRequestsPerEndpoint: 1}: a connection opened and disconnected unread gives its
   * endpoint slot back (five in a row, then GETs, all go at once); one left open unread keeps it,
   * and the next call waits for it on the caller's thread until the Route's 500 ms timeout ends
   * the wait with the JDK's own {@code SocketTimeoutException}.
   */
  @Test
  @Order(7)
  void anEndpointSlotGoesBackOnDisconnectAndTheWaitEndsAtTheRouteTimeout() throws Exception {
    String endpoint = "/skein/endpoints/default/oneslot/one";
    String pool = "/skein/policies/default/DestinationPolicy/oneslot";
    String route = "/skein/policies/default/Route/oneslot";
    etcd.put(endpoint, "{\"address\":\"127.0.0.1\",\"port\":" + outside.getAddress().getPort() + ",\"protocol\":\"http\"}");
    etcd.put(route, """
        kind: Route
        metadata: {name: oneslot}
        spec:
          host: oneslot
          http:
            - name: default
              route:
                - destination: {host: oneslot}
              timeout: 500ms
        """);
    etcd.put(pool, """
        kind: DestinationPolicy
        metadata: {name: oneslot}
        spec:
          host: oneslot
          connectionPool: {maxRequestsPerEndpoint: 1}
        """);
    try {
      for (MeshJvm c : callers.keySet()) {
        await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
            assertThat(send(c, 1, "http://oneslot/")).contains("ok=1 ").contains("bodies={outside=1}"));
      }
      Thread.sleep(1500); // every policy applied (within a second)
      for (MeshJvm c : callers.keySet()) {
        String disconnected = send(c, 5, "http://oneslot/ 10000 DISCONNECT");
        String after = send(c, 3, "http://oneslot/");
        String leaked = send(c, 1, "http://oneslot/ 10000 CONNECT");
        String waited = send(c, 1, "http://oneslot/");
        System.out.printf("HttpURLConnection, 1 per endpoint: %s | %s | left open: %s | %s%n", disconnected, after, leaked, waited);
        assertThat(disconnected).as(c.agentLog()).contains("ok=5 ").contains("errors={}");
        assertThat(after).contains("ok=3 ").contains("bodies={outside=3}");
        assertThat(leaked).contains("ok=1 ");
        assertThat(waited).contains("errors={SocketTimeoutException=1}");
        long millis = Long.parseLong(waited.replaceAll(".*maxMillis=(\\d+).*", "$1"));
        assertThat(millis).as(waited).isBetween(400L, 1500L);
      }
    } finally {
      etcd.delete(pool);
      etcd.delete(route);
      etcd.delete(endpoint);
    }
  }

  /** A call span of huc-client whose {@code skein.fault} is this, or null. */
  private static Span faulted(String fault) {
    return otlp.spans("huc-client", Span.SpanKind.SPAN_KIND_CLIENT).stream()
        .filter(x -> fault.equals(attr(x.getAttributesList(), "skein.fault"))).findFirst().orElse(null);
  }

  static void route(String rule) throws Exception {
    etcd.put(Policies.ROUTE_KEY, """
        kind: Route
        metadata: {name: orders}
        spec:
          host: orders
          http:
            - name: default
              route:
                - destination: {host: orders}
        %s""".formatted(rule.indent(6)));
  }
}
