package dev.skein.it.reactornetty;

import static dev.skein.it.telemetry.OtlpReceiver.attr;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.skein.it.demo.SkeinCli;
import dev.skein.it.support.EtcdServer;
import dev.skein.it.support.FreePorts;
import dev.skein.it.support.MeshJvm;
import dev.skein.it.support.Policies;
import dev.skein.it.telemetry.OtlpReceiver;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Reactor Netty's {@code HttpClient} under the whole mesh, with no mesh code in the application:
 * real etcd, the real control plane's CA, an OTLP receiver decoding the real protobufs, a JDK
 * {@code HttpServer} as {@code orders} (answering the TLS protocol and SPIFFE ID it sees, or
 * {@code plaintext}) and two Reactor Netty client JVMs, the newest (1.3, on Netty 4.2) and the
 * oldest supported (1.2, on Netty 4.1), all under the agent. One set of processes serves every
 * case, in order: telemetry (client and attempt spans, the server span joined through
 * {@code traceparent}, metrics), mutual TLS (STRICT servers, {@code tls.mode: DISABLE}, plain text
 * outside the mesh), fault injection, and a connect-failure retry to another endpoint. Retries,
 * the retry budget, timeouts and the breaker are in {@code HttpClientsResilienceIT}
 * ({@code instrumentation/tests-http}), with the other libraries.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReactorNettyClientMeshIT {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final String CLIENT_ID = "spiffe://skein.local/ns/default/sa/rn-client";
  private static final String CLIENT12_ID = "spiffe://skein.local/ns/default/sa/rn-client12";
  private static final String STRICT_KEY = "/skein/policies/default/PeerAuthentication/default";
  private static EtcdServer etcd;
  private static MeshJvm controlPlane;
  private static OtlpReceiver otlp;
  private static MeshJvm orders;
  private static MeshJvm client;
  private static MeshJvm client12;
  private static HttpServer outside;
  private static int clientAdmin;

  @BeforeAll
  static void startMesh() throws Exception {
    etcd = EtcdServer.started();
    controlPlane = new SkeinCli(etcd.endpoint()).startControlPlaneWithNewCa("control-plane", null).jvm();
    otlp = new OtlpReceiver();
    orders = jvm("orders").start("dev.skein.it.apps.mtls.PeerEchoServer");
    clientAdmin = FreePorts.next();
    client = jvm("rn-client").property("skein.admin.port", Integer.toString(clientAdmin)).start(ReactorNettyCaller.class.getName());
    client12 = jvm("rn-client12").classPath(reactorNetty12ClassPath()).start(ReactorNettyCaller.class.getName());
    orders.awaitLineStartingWith("listening", WAIT);
    assertThat(client.awaitLineStartingWith("ready", WAIT)).startsWith("ready 1.3.");
    assertThat(client12.awaitLineStartingWith("ready", WAIT)).startsWith("ready 1.2.");
    // A host outside the mesh: a plain-text server in this JVM, no agent.
    outside = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    outside.createContext("/", ex -> {
      byte[] body = "outside".getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(200, body.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(body);
      }
    });
    outside.start();
    await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(() ->
        List.of(orders, client, client12).stream().allMatch(j -> j.agentLog().contains("workload certificate") && j.agentLog().contains("telemetry ready"))
            && etcd.getPrefix("/skein/endpoints/default/orders/").contains("\"tls\":true")
            && clusters().contains("default/orders"));
    // client12 has no admin port: one call through the mesh shows it knows orders.
    await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(() -> send(client12, 1, "http://orders/").contains("ok=1 "));
  }

  /** The caller's classes with Reactor Netty 1.2, Reactor 3.7 and Netty 4.1 (copied into target by the build). */
  private static String reactorNetty12ClassPath() throws java.io.IOException {
    Path dir = Path.of(System.getProperty("skein.it.reactorNetty12", "target/reactor-netty-1.2"));
    String testClasses = java.util.Arrays.stream(System.getProperty("java.class.path").split(java.io.File.pathSeparator))
        .filter(e -> e.endsWith("test-classes")).findFirst().orElseThrow();
    try (java.util.stream.Stream<Path> jars = Files.list(dir)) {
      List<String> entries = new java.util.ArrayList<>(List.of(testClasses));
      jars.filter(j -> j.toString().endsWith(".jar")).map(Path::toString).forEach(entries::add);
      return String.join(java.io.File.pathSeparator, entries);
    }
  }

  /** Each client JVM with the SPIFFE ID its certificate carries. */
  private static java.util.Map<MeshJvm, String> callers() {
    java.util.Map<MeshJvm, String> callers = new java.util.LinkedHashMap<>();
    callers.put(client, CLIENT_ID);
    callers.put(client12, CLIENT12_ID);
    return callers;
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

  private static String clusters() {
    try {
      return HttpClient.newHttpClient()
          .send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + clientAdmin + "/clusters")).build(), HttpResponse.BodyHandlers.ofString())
          .body();
    } catch (Exception e) {
      return "";
    }
  }

  @AfterAll
  static void stopMesh() throws Exception {
    if (outside != null) {
      outside.stop(0);
    }
    for (AutoCloseable c : new AutoCloseable[] {client, client12, orders, controlPlane, otlp, etcd}) {
      if (c != null) {
        c.close();
      }
    }
  }

  private static String send(int count, String url) throws Exception {
    return send(client, count, url);
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
    assertThat(send(5, "http://orders/items?x=1")).as(client.agentLog()).contains("ok=5 failed=0");
    await().atMost(WAIT).until(() -> otlp.spans("rn-client", Span.SpanKind.SPAN_KIND_CLIENT).size() >= 5
        && otlp.spans("orders", Span.SpanKind.SPAN_KIND_SERVER).size() >= 5);
    List<Span> calls = otlp.spans("rn-client", Span.SpanKind.SPAN_KIND_CLIENT);
    List<Span> tries = otlp.spans("rn-client", Span.SpanKind.SPAN_KIND_INTERNAL);
    assertThat(calls).hasSize(5);
    // One try each, nothing the mesh decided: no try spans (skein.telemetry.attempt.spans=retries),
    // the call span names the try's endpoint.
    assertThat(tries).isEmpty();
    assertThat(calls).allSatisfy(c -> {
      assertThat(attr(c.getAttributesList(), "skein.attempts")).isEqualTo("1");
      assertThat(attr(c.getAttributesList(), "skein.endpoint")).matches(".+:[1-9]\\d*");
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
      // Mesh mTLS: the server span names the peer its certificate proves.
      assertThat(attr(s.getAttributesList(), "skein.peer.spiffe_id")).isEqualTo(CLIENT_ID);
    }
    await().atMost(WAIT).untilAsserted(() -> {
      assertThat(OtlpReceiver.histogramCount(otlp.latest("rn-client", "http.client.request.duration"))).isEqualTo(5);
      assertThat(OtlpReceiver.counterSum(otlp.latest("rn-client", "skein.requests"))).isEqualTo(5);
    });
  }

  @Test
  @Order(2)
  void meshCallsAreMutualTls13EvenToStrictServersAndPlainTextElsewhere() throws Exception {
    for (var c : callers().entrySet()) {
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
      for (var c : callers().entrySet()) {
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
      for (MeshJvm c : callers().keySet()) {
        await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
            assertThat(send(c, 3, "http://orders/")).contains("ok=3 failed=0").contains("bodies={plaintext=3}"));
      }
    } finally {
      etcd.delete(Policies.DESTINATION_KEY);
    }
    for (var c : callers().entrySet()) {
      await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
          assertThat(send(c.getKey(), 3, "http://orders/")).contains("bodies={TLSv1.3 " + c.getValue() + "=3}"));
    }
  }

  @Test
  @Order(3)
  void injectedAbortsAndDelaysHappenBeforeTheRequestLeaves() throws Exception {
    try {
      route("fault: {abort: {percent: 100, httpStatus: 503}}");
      for (MeshJvm c : callers().keySet()) {
        await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
            assertThat(send(c, 10, "http://orders/")).contains("ok=0 failed=10 statuses={503=10} faults=10"));
      }
      // The trace says why: the call's span names the fault (and no try went out).
      await().atMost(WAIT).until(() -> faulted("abort") != null);
      Span aborted = faulted("abort");
      assertThat(attr(aborted.getAttributesList(), "http.response.status_code")).isEqualTo("503");
      assertThat(otlp.spans("rn-client", Span.SpanKind.SPAN_KIND_INTERNAL)).noneMatch(t -> t.getParentSpanId().equals(aborted.getSpanId()));
      route("fault: {delay: {percent: 100, fixedDelay: 300ms}}");
      for (MeshJvm c : callers().keySet()) {
        await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
          String r = send(c, 3, "http://orders/");
          assertThat(r).contains("ok=3 failed=0");
          assertThat(Long.parseLong(r.replaceAll(".*minMillis=(\\d+).*", "$1"))).as(r).isGreaterThanOrEqualTo(300);
        });
      }
      await().atMost(WAIT).until(() -> faulted("delay") != null);
      assertThat(attr(faulted("delay").getAttributesList(), "skein.fault.delay_ms")).isEqualTo("300");
      assertThat(attr(faulted("delay").getAttributesList(), "http.response.status_code")).isEqualTo("200");
    } finally {
      etcd.delete(Policies.ROUTE_KEY);
    }
  }

  @Test
  @Order(4)
  void aConnectFailureIsRetriedOnAnotherEndpoint() throws Exception {
    int dead = FreePorts.next(); // nothing listens there
    String key = "/skein/endpoints/default/orders/dead";
    etcd.put(key, "{\"address\":\"127.0.0.1\",\"port\":" + dead + ",\"protocol\":\"http\"}");
    try {
      route("retries: {attempts: 2, retryOn: connect-failure}");
      await().atMost(WAIT).until(() -> clusters().contains(":" + dead));
      Thread.sleep(700); // the Route, put after the endpoint, is in force by now
      // The oldest version, each GET through a send callback as Spring WebClient makes every
      // request: all succeed (the same retries, seen below in the newest version's spans).
      assertThat(send(client12, 8, "http://orders/ with-send")).contains("ok=8 failed=0");
      int before = otlp.spans("rn-client", Span.SpanKind.SPAN_KIND_INTERNAL).size();
      // Round robin sends every other first try to the dead endpoint: 4 retries, well within the
      // destination's retry budget (20% of requests, plus a small reserve).
      String result = send(8, "http://orders/");
      // Only retried calls have try spans (two each): wait for the first retried try's.
      await().atMost(WAIT).until(() -> otlp.spans("rn-client", Span.SpanKind.SPAN_KIND_INTERNAL).stream().skip(before)
          .anyMatch(s -> "retry:connect-failure".equals(attr(s.getAttributesList(), "skein.decision"))));
      assertThat(result).as(otlp.spans("rn-client", Span.SpanKind.SPAN_KIND_INTERNAL).stream().skip(before)
          .map(s -> attr(s.getAttributesList(), "skein.endpoint") + " " + attr(s.getAttributesList(), "skein.decision")).toList().toString())
          .contains("ok=8 failed=0");
      List<Span> retried = otlp.spans("rn-client", Span.SpanKind.SPAN_KIND_INTERNAL).stream()
          .filter(s -> "retry:connect-failure".equals(attr(s.getAttributesList(), "skein.decision"))).toList();
      assertThat(retried).as("round robin sent some first tries to the dead endpoint").isNotEmpty();
      assertThat(retried).allSatisfy(s -> assertThat(attr(s.getAttributesList(), "skein.endpoint")).endsWith(":" + dead));
    } finally {
      etcd.delete(key);
      etcd.delete(Policies.ROUTE_KEY);
    }
  }

  /** A call span of rn-client whose {@code skein.fault} is this, or null. */
  private static Span faulted(String fault) {
    return otlp.spans("rn-client", Span.SpanKind.SPAN_KIND_CLIENT).stream()
        .filter(s -> fault.equals(attr(s.getAttributesList(), "skein.fault"))).findFirst().orElse(null);
  }

  private static void route(String rule) throws Exception {
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
