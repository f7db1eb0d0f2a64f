package dev.skein.it.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skein.it.support.EtcdServer;
import dev.skein.it.support.MeshJvm;
import dev.skein.it.support.Policies;
import dev.skein.it.support.TwoVersionMesh;
import dev.skein.it.telemetry.OtlpReceiver;
import io.opentelemetry.proto.trace.v1.Span;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * OkHttp resilience through real etcd, one mesh for all cases so that the JVMs start once: an
 * {@code orders} server (v1) that can be told to fail or to sleep, and an OkHttp client, each a
 * JVM under the agent; policies written with {@code etcdctl put}. Fault injection, retries, the
 * retry budget, timeouts and the circuit breaker; the last case adds a second server (v2) for
 * outlier detection. Each case removes the policies it put.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OkHttpResilienceIT {
  private static final Pattern RESULT =
      Pattern.compile(
          "result ok=(\\d+) failed=(\\d+) statuses=(\\{.*?\\}) faults=(\\d+) errors=(\\{.*?\\}) maxMillis=(\\d+) bodies=(\\{.*?\\}) refused=(\\{.*?\\})");
  private static EtcdServer etcd;
  private static MeshJvm v1;
  private static MeshJvm v2;
  private static MeshJvm client;
  private static OtlpReceiver otlp;

  /** One {@code send N} line of the client. */
  record Outcome(String line, int ok, int failed, String statuses, int faults, String errors, long maxMillis, String bodies, String refused) {}

  @BeforeAll
  static void startMesh() throws Exception {
    etcd = EtcdServer.started();
    otlp = new OtlpReceiver();
    v1 = startServer("v1");
    client =
        MeshJvm.builder("okhttp-client")
            .property("skein.service", "frontend")
            .property("skein.etcd.endpoints", etcd.endpoint())
            .env("OTEL_EXPORTER_OTLP_ENDPOINT", otlp.endpoint())
            .env("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
            .env("OTEL_BSP_SCHEDULE_DELAY", "100")
            .env("OTEL_METRIC_EXPORT_INTERVAL", "1000")
            .start("dev.skein.it.apps.resilience.OkHttpDriver");
    client.awaitLineStartingWith("ready", Duration.ofSeconds(30));
    // Until the registration is seen, calls to orders fail: wait for one to succeed.
    for (int i = 0; i < 50 && send(1).ok() == 0; i++) {
      Thread.sleep(200);
    }
    // Put policies once the agent's watch runs (logged right after its first snapshot).
    for (int i = 0; i < 100 && !client.agentLog().contains("policies from etcd"); i++) {
      Thread.sleep(100);
    }
  }

  private static MeshJvm startServer(String version) throws Exception {
    MeshJvm jvm = TwoVersionMesh.ordersInstance(etcd, version).start("dev.skein.it.apps.resilience.FlakyServer");
    jvm.awaitLineStartingWith("listening", Duration.ofSeconds(30));
    return jvm;
  }

  @AfterAll
  static void stopMesh() throws Exception {
    for (AutoCloseable c : new AutoCloseable[] {client, v1, v2, etcd, otlp}) {
      if (c != null) {
        c.close();
      }
    }
  }

  @AfterEach
  void removePolicies() throws Exception {
    etcd.delete(Policies.ROUTE_KEY);
    etcd.delete(Policies.DESTINATION_KEY);
    tell(v1, "fail 0");
    tell(v1, "sleep 0");
    Thread.sleep(1000);
    serverCount(v1);
  }

  static Outcome send(int count) throws Exception {
    client.send("send " + count + " http://orders/api/items");
    String line = client.awaitLine(l -> l.startsWith("result") || l.startsWith("error"), Duration.ofSeconds(120));
    Matcher m = RESULT.matcher(line);
    if (!m.matches()) {
      throw new AssertionError(line + "\n" + client.agentLog());
    }
    return new Outcome(
        line, Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), m.group(3), Integer.parseInt(m.group(4)), m.group(5),
        Long.parseLong(m.group(6)), m.group(7), m.group(8));
  }

  static void route(String rule) throws Exception {
    etcd.put(
        Policies.ROUTE_KEY,
        """
        kind: Route
        metadata: {name: orders}
        spec:
          host: orders
          http:
            - name: default
              route:
                - destination: {host: orders}
        %s"""
            .formatted(rule.indent(6)));
    Thread.sleep(1000);
  }

  static void tell(MeshJvm server, String command) throws Exception {
    server.send(command);
    server.awaitLine(l -> l.equals("ok"), Duration.ofSeconds(10));
  }

  /** The requests the server received since it was last asked. */
  static long serverCount(MeshJvm server) throws Exception {
    server.send("count");
    String line = server.awaitLineStartingWith("count", Duration.ofSeconds(10));
    server.awaitLine(l -> l.equals("ok"), Duration.ofSeconds(10));
    return Long.parseLong(line.substring(6).trim());
  }

  @Test
  @Order(1)
  void abortPercentageHoldsWithinThreePoints() throws Exception {
    route("fault: {abort: {percent: 20, httpStatus: 503}}");
    serverCount(v1);
    Outcome o = send(2000);
    double share = o.faults() / 2000.0;
    System.out.printf("okhttp abort 20%%: measured %.2f%% (%s)%n", 100 * share, o.line());
    // 2000 draws of p=0.2 have sigma 17.9: +-3 points is 3.4 sigma.
    assertThat(share).as(o.line()).isBetween(0.17, 0.23);
    assertThat(o.failed()).as("every failure is an injected 503").isEqualTo(o.faults());
    assertThat(o.statuses()).contains("503=" + o.faults());
    assertThat(serverCount(v1)).as("aborted requests never leave the client").isEqualTo(2000 - o.faults());
  }

  @Test
  @Order(2)
  void retriesHideAServerFailingTenPercent() throws Exception {
    route("retries: {attempts: 3, perTryTimeout: 1s, retryOn: 5xx}");
    tell(v1, "fail 10");
    Outcome o = send(1000);
    System.out.printf("okhttp 10%% failing server behind retries: %d/1000 ok%n", o.ok());
    assertThat(o.ok()).as(o.line()).isGreaterThanOrEqualTo(995);
    // Each try is its own span under the call's: a retried 500 says why it was retried.
    Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
        assertThat(otlp.spans("frontend").stream().map(OtlpReceiver.ReceivedSpan::span)
                .filter(s -> s.getKind() == Span.SpanKind.SPAN_KIND_INTERNAL)
                .filter(s -> "2".equals(OtlpReceiver.attr(s.getAttributesList(), "skein.attempt")))
                .map(s -> OtlpReceiver.attr(s.getAttributesList(), "skein.decision")))
            .as("second tries of calls whose first try got a 500")
            .isNotEmpty());
    assertThat(otlp.spans("frontend").stream().map(OtlpReceiver.ReceivedSpan::span)
            .filter(s -> "500".equals(OtlpReceiver.attr(s.getAttributesList(), "http.response.status_code")))
            .filter(s -> s.getKind() == Span.SpanKind.SPAN_KIND_INTERNAL)
            .map(s -> OtlpReceiver.attr(s.getAttributesList(), "skein.decision")))
        .as("a failed try's span says it was retried")
        .contains("retry:5xx");
    // Only retried calls have try spans (skein.telemetry.attempt.spans=retries): the first try's,
    // made once the retry was decided, keeps its real start, inside its call and before the second.
    List<Span> frontend = otlp.spans("frontend").stream().map(OtlpReceiver.ReceivedSpan::span).toList();
    Span second = frontend.stream().filter(s -> "2".equals(OtlpReceiver.attr(s.getAttributesList(), "skein.attempt"))).findFirst().orElseThrow();
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> otlp.spans("frontend").stream()
        .anyMatch(r -> r.span().getSpanId().equals(second.getParentSpanId())));
    Span call = otlp.spans("frontend").stream().map(OtlpReceiver.ReceivedSpan::span)
        .filter(s -> s.getSpanId().equals(second.getParentSpanId())).findFirst().orElseThrow();
    List<Span> tries = otlp.spans("frontend").stream().map(OtlpReceiver.ReceivedSpan::span)
        .filter(s -> s.getParentSpanId().equals(call.getSpanId())).toList();
    Span first = tries.stream().filter(s -> "1".equals(OtlpReceiver.attr(s.getAttributesList(), "skein.attempt"))).findFirst().orElseThrow();
    assertThat(OtlpReceiver.attr(first.getAttributesList(), "skein.decision")).isEqualTo("retry:5xx");
    assertThat(first.getStartTimeUnixNano()).as("first try starts in its call (5 ms for the two clocks)")
        .isGreaterThan(call.getStartTimeUnixNano() - 5_000_000).isLessThan(second.getStartTimeUnixNano());
    assertThat(first.getEndTimeUnixNano()).isLessThanOrEqualTo(second.getStartTimeUnixNano());
    assertThat(OtlpReceiver.attr(call.getAttributesList(), "skein.attempts")).isEqualTo(Integer.toString(tries.size()));
  }

  @Test
  @Order(3)
  void theRetryBudgetCapsRetriesAgainstAServerFailingEverything() throws Exception {
    route("retries: {attempts: 3, perTryTimeout: 1s, retryOn: 5xx}");
    tell(v1, "fail 100");
    serverCount(v1);
    Outcome o = send(500);
    long received = serverCount(v1);
    System.out.printf("okhttp budget: 500 calls reached the always-failing server %d times%n", received);
    assertThat(o.ok()).isZero();
    // 20% of requests plus a reserve of 10; without the budget it would be 4 x 500.
    assertThat(received).isGreaterThan(500).isLessThanOrEqualTo(500 + 100 + 10);
  }

  @Test
  @Order(4)
  void aTimeoutCutsASlowServerShort() throws Exception {
    route("timeout: 200ms");
    tell(v1, "sleep 2000");
    Outcome o = send(5);
    System.out.printf("okhttp 200ms timeout vs 2s server: slowest call %d ms (%s)%n", o.maxMillis(), o.line());
    assertThat(o.errors()).as(o.line()).isEqualTo("{SocketTimeoutException=5}");
    assertThat(o.maxMillis()).isLessThan(300);
  }

  /**
   * After {@code minimumCalls} failures the breaker opens: requests fail fast with 503 and
   * {@code x-skein-refused: circuit-open}, and nothing reaches the server; an unrelated policy
   * change keeps it open; after {@code openStateDuration}, with the server healed, requests pass.
   */
  @Test
  @Order(5)
  void breakerOpensAfterMinimumCallsFailsFastAndClosesOnceHealed() throws Exception {
    etcd.put(Policies.DESTINATION_KEY, Policies.ORDERS_BREAKER);
    Thread.sleep(1000);
    tell(v1, "fail 100");
    serverCount(v1);

    Outcome failing = send(10);
    assertThat(failing.statuses()).as(failing.line()).isEqualTo("{500=10}");
    Outcome open = send(50);
    long reached = serverCount(v1);
    System.out.printf("okhttp breaker: %d calls reached the failing server, then %s%n", reached, open.line());
    assertThat(open.statuses()).as(open.line()).isEqualTo("{503=50}");
    assertThat(open.refused()).isEqualTo("{circuit-open=50}");
    assertThat(reached).as("only the calls before the breaker opened").isEqualTo(10);
    assertThat(open.maxMillis()).as("fail fast").isLessThan(50);
    // The refusal is on the trace: the call span and its one try span (no endpoint) say why.
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> spansOf(Span.SpanKind.SPAN_KIND_CLIENT)
        .anyMatch(s -> "circuit-open".equals(OtlpReceiver.attr(s.getAttributesList(), "skein.refused"))));
    Span refused = spansOf(Span.SpanKind.SPAN_KIND_CLIENT)
        .filter(s -> "circuit-open".equals(OtlpReceiver.attr(s.getAttributesList(), "skein.refused"))).findFirst().orElseThrow();
    assertThat(OtlpReceiver.attr(refused.getAttributesList(), "skein.decision")).isEqualTo("refused:circuit-open");
    assertThat(OtlpReceiver.attr(refused.getAttributesList(), "http.response.status_code")).isEqualTo("503");
    assertThat(OtlpReceiver.attr(refused.getAttributesList(), "error.type")).isEqualTo("503");
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> spansOf(Span.SpanKind.SPAN_KIND_INTERNAL)
        .anyMatch(s -> s.getParentSpanId().equals(refused.getSpanId())));
    Span refusedTry = spansOf(Span.SpanKind.SPAN_KIND_INTERNAL).filter(s -> s.getParentSpanId().equals(refused.getSpanId())).findFirst().orElseThrow();
    assertThat(OtlpReceiver.attr(refusedTry.getAttributesList(), "skein.refused")).isEqualTo("circuit-open");
    assertThat(OtlpReceiver.attr(refusedTry.getAttributesList(), "skein.decision")).isEqualTo("refused:circuit-open");

    String payments = "/skein/policies/default/Route/payments";
    etcd.put(payments, "kind: Route\nmetadata: {name: payments}\nspec:\n  host: payments\n  http:\n    - route:\n        - destination: {host: payments}\n");
    Thread.sleep(500);
    assertThat(send(5).refused()).as("an unrelated change keeps the breaker open").isEqualTo("{circuit-open=5}");
    etcd.delete(payments);

    tell(v1, "fail 0");
    Thread.sleep(2200);
    Outcome healed = send(30);
    System.out.printf("okhttp breaker after openStateDuration, server healed: %s%n", healed.line());
    assertThat(healed.ok()).as(healed.line()).isEqualTo(30);
    assertThat(serverCount(v1)).isEqualTo(30);
  }

  /**
   * Outlier detection with a second server (v2): v2 answers 500 to everything, is ejected after
   * {@code consecutive5xxErrors} and requests go to v1; healed, v2 gets requests again after
   * {@code baseEjectionTime}.
   */
  @Test
  @Order(6)
  void aFailingEndpointIsEjectedAndReturnsAfterTheEjectionTime() throws Exception {
    v2 = startServer("v2");
    etcd.put(Policies.DESTINATION_KEY, Policies.ORDERS_OUTLIER_DETECTION);
    // Both endpoints and the policy are in force once both versions answer.
    for (int i = 0; i < 50 && !send(4).bodies().contains("v2="); i++) {
      Thread.sleep(200);
    }
    Thread.sleep(500);

    tell(v2, "fail 100");
    Outcome ejecting = send(40);
    System.out.printf("okhttp outlier detection, v2 failing: %s%n", ejecting.line());
    // Round robin sends v2 every other call: its third 500 in a row ejects it.
    assertThat(ejecting.failed()).as(ejecting.line()).isEqualTo(3);
    assertThat(ejecting.bodies()).isEqualTo("{v1=37}");

    tell(v2, "fail 0");
    Thread.sleep(2200);
    Outcome back = send(20);
    System.out.printf("okhttp outlier detection, after baseEjectionTime: %s%n", back.line());
    assertThat(back.ok()).as(back.line()).isEqualTo(20);
    assertThat(back.bodies()).isEqualTo("{v1=10, v2=10}");
  }

  /**
   * The call span of an OkHttp call, decoded from the OTLP export: the HTTP client semantic
   * conventions and the mesh's route, subset and endpoint attributes.
   */
  @Test
  @Order(7)
  void theCallSpanCarriesTheSemanticConventionAndMeshAttributes() throws Exception {
    etcd.put(Policies.DESTINATION_KEY, Policies.ORDERS_SUBSETS);
    etcd.put(
        Policies.ROUTE_KEY,
        """
        kind: Route
        metadata: {name: orders}
        spec:
          host: orders
          http:
            - name: to-v1
              route:
                - destination: {host: orders, subset: v1}
        """);
    Thread.sleep(1000);
    Outcome o = send(1);
    assertThat(o.ok()).as(o.line()).isEqualTo(1);
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> callSpanOfRoute("to-v1") != null);
    Span call = callSpanOfRoute("to-v1");
    System.out.printf("okhttp call span: %s%n", call.getAttributesList());
    assertThat(call.getName()).isEqualTo("GET");
    assertThat(OtlpReceiver.attr(call.getAttributesList(), "http.request.method")).isEqualTo("GET");
    assertThat(OtlpReceiver.attr(call.getAttributesList(), "url.full")).isEqualTo("http://orders/api/items");
    assertThat(OtlpReceiver.attr(call.getAttributesList(), "url.path")).isEqualTo("/api/items");
    assertThat(OtlpReceiver.attr(call.getAttributesList(), "server.address")).isEqualTo("orders");
    assertThat(OtlpReceiver.attr(call.getAttributesList(), "server.port")).isEqualTo("80");
    assertThat(OtlpReceiver.attr(call.getAttributesList(), "http.response.status_code")).isEqualTo("200");
    assertThat(OtlpReceiver.attr(call.getAttributesList(), "error.type")).isNull();
    assertThat(OtlpReceiver.attr(call.getAttributesList(), "skein.destination.service")).isEqualTo("default/orders");
    assertThat(OtlpReceiver.attr(call.getAttributesList(), "skein.subset")).isEqualTo("v1");
    assertThat(OtlpReceiver.attr(call.getAttributesList(), "skein.endpoint")).matches("127\\.0\\.0\\.1:\\d+");
    // The golden-signal counter names the subset the route chose.
    Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      io.opentelemetry.proto.metrics.v1.Metric requests = otlp.latest("frontend", "skein.requests");
      assertThat(requests).isNotNull();
      assertThat(requests.getSum().getDataPointsList())
          .anyMatch(p -> "v1".equals(OtlpReceiver.attr(p.getAttributesList(), "destination.subset"))
              && "default/orders".equals(OtlpReceiver.attr(p.getAttributesList(), "destination.service"))
              && "frontend".equals(OtlpReceiver.attr(p.getAttributesList(), "source.service"))
              && "200".equals(OtlpReceiver.attr(p.getAttributesList(), "response.code")));
    });
  }

  /**
   * Apache HttpClient 5, classic and async, in the same client JVM: a retried call shows as its
   * call span with a try span per attempt under it, the failed try saying why it was retried.
   * A call that needed one try has no try span (the default).
   */
  @Test
  @Order(8)
  void apacheRetriesShowAsTrySpansUnderTheCallSpan() throws Exception {
    route("retries: {attempts: 3, perTryTimeout: 1s, retryOn: 5xx}");
    tell(v1, "fail 50");
    for (String library : java.util.List.of("apache", "apache-async")) {
      String url = "http://orders/api/" + library;
      client.send("send 40 " + url + " GET " + library);
      String line = client.awaitLine(l -> l.startsWith("result") || l.startsWith("error"), Duration.ofSeconds(120));
      Matcher m = RESULT.matcher(line);
      assertThat(m.matches()).as(line).isTrue();
      assertThat(Integer.parseInt(m.group(1))).as(line).isGreaterThanOrEqualTo(20); // the retry budget may stop some retries
      Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
        java.util.List<Span> calls = spansOf(Span.SpanKind.SPAN_KIND_CLIENT).filter(s -> url.equals(OtlpReceiver.attr(s.getAttributesList(), "url.full"))).toList();
        assertThat(calls).as(library + " call spans").hasSize(40);
        java.util.Set<com.google.protobuf.ByteString> ids = calls.stream().map(Span::getSpanId).collect(java.util.stream.Collectors.toSet());
        java.util.List<Span> tries = spansOf(Span.SpanKind.SPAN_KIND_INTERNAL).filter(s -> ids.contains(s.getParentSpanId())).toList();
        // A call the mesh retried has one try span per try (skein.attempts of them); one that went
        // through at the first try has none (skein.telemetry.attempt.spans=retries, the default).
        java.util.List<Span> retried = calls.stream().filter(c -> !"1".equals(OtlpReceiver.attr(c.getAttributesList(), "skein.attempts"))).toList();
        assertThat(retried).as(library + " retried calls").isNotEmpty();
        for (Span c : retried) {
          assertThat(tries.stream().filter(t -> t.getParentSpanId().equals(c.getSpanId())).count()).as(library + " tries of a retried call")
              .isEqualTo(Long.parseLong(OtlpReceiver.attr(c.getAttributesList(), "skein.attempts")));
        }
        assertThat(tries).as(library + ": a second try").anyMatch(s -> "2".equals(OtlpReceiver.attr(s.getAttributesList(), "skein.attempt")));
        assertThat(tries)
            .as(library + ": a failed try says it was retried")
            .anyMatch(s -> "500".equals(OtlpReceiver.attr(s.getAttributesList(), "http.response.status_code"))
                && "retry:5xx".equals(OtlpReceiver.attr(s.getAttributesList(), "skein.decision")));
      });
    }
  }

  private static java.util.stream.Stream<Span> spansOf(Span.SpanKind kind) {
    return otlp.spans("frontend", kind).stream();
  }

  private static Span callSpanOfRoute(String route) {
    return otlp.spans("frontend").stream()
        .map(OtlpReceiver.ReceivedSpan::span)
        .filter(s -> s.getKind() == Span.SpanKind.SPAN_KIND_CLIENT && route.equals(OtlpReceiver.attr(s.getAttributesList(), "skein.route")))
        .findFirst()
        .orElse(null);
  }
}
