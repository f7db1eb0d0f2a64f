package dev.skein.it.telemetry;

import static dev.skein.it.telemetry.OtlpReceiver.attr;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.skein.it.apps.telemetry.ChainClient;
import dev.skein.it.apps.telemetry.FrontServer;
import dev.skein.it.apps.telemetry.GreeterServer;
import dev.skein.it.support.EtcdServer;
import dev.skein.it.support.FreePorts;
import dev.skein.it.support.MeshJvm;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.trace.v1.Span;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Three real JVMs under the agent, a chain {@code client} → {@code front} (JDK HttpClient → JDK
 * HttpServer, by mesh name) → {@code greeter} (gRPC, by mesh name), exporting to a loopback
 * receiver that decodes the real OTLP protobufs: {@code client} over OTLP/HTTP (protobuf),
 * {@code front} and {@code greeter} over OTLP/gRPC, so one trace proves both protocols.
 * {@code client} propagates B3 (multi-header) only, {@code front} reads W3C and B3 and writes
 * both, {@code greeter} reads W3C only: the trace holds together across both propagators.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TelemetryChainIT {
  // Upper bounds only: the 2-core CI machine is often loaded far beyond its cores.
  private static final Duration WAIT = Duration.ofSeconds(90);
  private static EtcdServer etcd;
  private static OtlpReceiver otlp;
  private static MeshJvm greeter;
  private static MeshJvm front;
  private static MeshJvm client;
  private static int frontAdmin;
  private static int frontPort;
  private static int clientAdmin;
  private static java.nio.file.Path frontAccessLog;
  private static int sent;

  @BeforeAll
  static void startChain() throws Exception {
    etcd = EtcdServer.started();
    otlp = new OtlpReceiver();
    greeter = jvm("greeter", otlp.grpcEndpoint()).env("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc").start(GreeterServer.class.getName());
    greeter.awaitLineStartingWith("listening", WAIT);
    // The front builds its channel at start: greeter must be a known mesh service by then.
    await().atMost(WAIT).until(() -> etcd.getPrefix("/skein/endpoints/default/greeter/").contains("\"grpc\""));
    frontAdmin = FreePorts.next();
    frontAccessLog = java.nio.file.Files.createTempDirectory("skein-access").resolve("front.log");
    front =
        jvm("front", otlp.grpcEndpoint())
            .env("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")
            .env("OTEL_PROPAGATORS", "tracecontext,baggage,b3multi")
            .property("skein.admin.port", Integer.toString(frontAdmin))
            .property("skein.access.log", frontAccessLog.toString())
            .property("skein.telemetry.attempt.spans", "always")
            .start(FrontServer.class.getName(), "greeter");
    clientAdmin = FreePorts.next();
    client =
        jvm("client", otlp.endpoint())
            .env("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
            .env("OTEL_PROPAGATORS", "b3multi")
            .property("skein.admin.port", Integer.toString(clientAdmin))
            .start(ChainClient.class.getName());
    frontPort = Integer.parseInt(front.awaitLineStartingWith("listening", WAIT).split(" ")[1].trim());
    client.awaitLineStartingWith("ready", WAIT);
    for (MeshJvm jvm : List.of(greeter, front, client)) {
      await().atMost(WAIT).until(() -> jvm.agentLog().contains("telemetry ready"));
    }
    await().atMost(WAIT).until(() -> etcd.getPrefix("/skein/endpoints/default/front/").contains("\"http\""));
    // The client's agent may have read its first snapshot before front registered: wait until
    // its watch has delivered front, or the first request would go out unrouted.
    await().atMost(WAIT).until(() -> clusters(clientAdmin).contains("default/front") && clusters(clientAdmin).contains(" http "));
  }

  private static String clusters(int adminPort) {
    try {
      return HttpClient.newHttpClient()
          .send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/clusters")).build(), HttpResponse.BodyHandlers.ofString())
          .body();
    } catch (Exception e) {
      return "";
    }
  }

  static MeshJvm.Builder jvm(String service, String otlpEndpoint) {
    return MeshJvm.builder(service)
        .property("skein.service", service)
        .property("skein.etcd.endpoints", etcd.endpoint())
        .property("sun.net.httpserver.nodelay", "true")
        // A gRPC channel decides at build() whether its target is a mesh service, waiting for the
        // first snapshot; on a loaded 2-core machine that can take longer than the default 2 s.
        .property("skein.first.snapshot.wait.ms", "15000")
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", otlpEndpoint)
        .env("OTEL_METRIC_EXPORT_INTERVAL", "500")
        .env("OTEL_BSP_SCHEDULE_DELAY", "100");
  }

  @AfterAll
  static void stopChain() throws Exception {
    for (AutoCloseable c : new AutoCloseable[] {client, front, greeter, otlp, etcd}) {
      if (c != null) {
        c.close();
      }
    }
  }

  private static String send(MeshJvm jvm, int n) throws Exception {
    int before = jvm.stdoutLines().size();
    jvm.send("send " + n + " http://front/chain/");
    // The first "done" line after the command (access-log lines, when on, go to stdout too).
    await().atMost(WAIT).until(() -> jvm.stdoutLines().stream().skip(before).anyMatch(l -> l.startsWith("done")));
    String done = jvm.stdoutLines().stream().skip(before).filter(l -> l.startsWith("done")).findFirst().orElseThrow();
    if (jvm == client) {
      sent += n;
    }
    return done;
  }

  @Test
  @Order(1)
  void oneTraceLinksAllThreeJvms() throws Exception {
    assertThat(send(client, 1)).as(client.agentLog() + front.agentLog()).startsWith("done ok=1 failed=0");
    await().atMost(WAIT).until(() -> otlp.spans("greeter").size() >= 1 && otlp.spans("front").size() >= 2 && otlp.spans("client").size() >= 1);

    Span a = only(otlp.spans("client"), Span.SpanKind.SPAN_KIND_CLIENT);
    // One try that the mesh decided nothing about: no try span by default
    // (skein.telemetry.attempt.spans=retries; front runs with always, see below): the call span
    // says it all, with the endpoint the try went to.
    assertThat(otlp.spans("client", Span.SpanKind.SPAN_KIND_INTERNAL)).isEmpty();
    assertThat(attr(a.getAttributesList(), "skein.attempts")).isEqualTo("1");
    // What one call costs on the wire: the CLIENT span alone, about 330 bytes (the OpenTelemetry
    // agent's CLIENT span for the same call is about 310, its SERVER span 480, Skein's 210).
    assertThat(a.getSerializedSize()).as(a.toString()).isLessThan(450);
    Span bServer = only(otlp.spans("front"), Span.SpanKind.SPAN_KIND_SERVER);
    Span bClient = only(otlp.spans("front"), Span.SpanKind.SPAN_KIND_CLIENT);
    Span c = only(otlp.spans("greeter"), Span.SpanKind.SPAN_KIND_SERVER);

    for (Span s : List.of(bServer, bClient, c)) {
      assertThat(s.getTraceId()).isEqualTo(a.getTraceId());
    }
    assertThat(a.getParentSpanId().isEmpty()).isTrue();
    // client wrote B3 headers only: this link is B3 propagation between two JVMs.
    assertThat(bServer.getParentSpanId()).isEqualTo(a.getSpanId());
    assertThat(bClient.getParentSpanId()).isEqualTo(bServer.getSpanId());
    assertThat(c.getParentSpanId()).isEqualTo(bClient.getSpanId());

    assertThat(attr(a.getAttributesList(), "http.request.method")).isEqualTo("GET");
    assertThat(attr(a.getAttributesList(), "url.full")).isEqualTo("http://front/chain/0");
    assertThat(attr(a.getAttributesList(), "url.path")).isEqualTo("/chain/0");
    assertThat(attr(a.getAttributesList(), "server.address")).isEqualTo("front");
    assertThat(attr(a.getAttributesList(), "server.port")).isEqualTo("80");
    assertThat(attr(a.getAttributesList(), "http.response.status_code")).isEqualTo("200");
    assertThat(attr(a.getAttributesList(), "skein.destination.service")).isEqualTo("default/front");
    assertThat(attr(a.getAttributesList(), "skein.endpoint")).startsWith("127.0.0.1:");

    assertThat(attr(bServer.getAttributesList(), "http.request.method")).isEqualTo("GET");
    assertThat(attr(bServer.getAttributesList(), "url.path")).isEqualTo("/chain/0");
    assertThat(attr(bServer.getAttributesList(), "http.response.status_code")).isEqualTo("200");

    assertThat(bClient.getName()).isEqualTo("telemetry.Greeter/Greet");
    assertThat(attr(bClient.getAttributesList(), "rpc.system")).isEqualTo("grpc");
    assertThat(attr(bClient.getAttributesList(), "rpc.service")).isEqualTo("telemetry.Greeter");
    assertThat(attr(bClient.getAttributesList(), "rpc.method")).isEqualTo("Greet");
    assertThat(attr(bClient.getAttributesList(), "rpc.grpc.status_code")).isEqualTo("0");
    assertThat(attr(bClient.getAttributesList(), "server.address")).isEqualTo("greeter");
    assertThat(attr(bClient.getAttributesList(), "skein.destination.service")).isEqualTo("default/greeter");
    assertThat(attr(bClient.getAttributesList(), "skein.endpoint")).matches(".+:\\d+");

    assertThat(attr(c.getAttributesList(), "rpc.service")).isEqualTo("telemetry.Greeter");
    assertThat(attr(c.getAttributesList(), "rpc.grpc.status_code")).isEqualTo("0");
    assertThat(attr(c.getAttributesList(), "error.type")).isNull();

    assertThat(otlp.protocols("client")).containsExactly("http/protobuf");
    assertThat(otlp.protocols("front")).containsExactly("grpc");
    assertThat(otlp.protocols("greeter")).containsExactly("grpc");
  }

  private static Span only(List<OtlpReceiver.ReceivedSpan> spans, Span.SpanKind kind) {
    List<Span> matching = spans.stream().map(OtlpReceiver.ReceivedSpan::span).filter(s -> s.getKind() == kind).toList();
    assertThat(matching).hasSize(1);
    return matching.get(0);
  }

  @Test
  @Order(2)
  void histogramCountsEqualRequestCounts() throws Exception {
    assertThat(send(client, 20)).startsWith("done ok=20 failed=0");
    int expected = sent;
    Map<String, String> histograms =
        Map.of(
            "client", "http.client.request.duration",
            "front", "http.server.request.duration",
            "greeter", "rpc.server.duration");
    await().atMost(WAIT).untilAsserted(() -> {
      histograms.forEach((service, name) -> assertThat(OtlpReceiver.histogramCount(otlp.latest(service, name))).as(service + " " + name).isEqualTo(expected));
      assertThat(OtlpReceiver.histogramCount(otlp.latest("front", "rpc.client.duration"))).isEqualTo(expected);
      assertThat(OtlpReceiver.counterSum(otlp.latest("client", "skein.requests"))).isEqualTo(expected);
      // Counted by the servers, with how each request's connection was secured (no CA here: plain text).
      assertThat(OtlpReceiver.counterSum(otlp.latest("front", "skein.inbound.requests"))).isEqualTo(expected);
      assertThat(OtlpReceiver.counterSum(otlp.latest("greeter", "skein.inbound.requests"))).isEqualTo(expected);
    });
    assertThat(otlp.latest("greeter", "skein.inbound.requests").getSum().getDataPointsList())
        .allSatisfy(d -> assertThat(attr(d.getAttributesList(), "connection.security_policy")).isEqualTo("none"));
    Metric rpc = otlp.latest("front", "rpc.client.duration");
    assertThat(rpc.getUnit()).isEqualTo("s");
    HistogramDataPoint p = rpc.getHistogram().getDataPoints(0);
    assertThat(attr(p.getAttributesList(), "rpc.method")).isEqualTo("Greet");
    assertThat(attr(p.getAttributesList(), "rpc.grpc.status_code")).isEqualTo("0");
    NumberDataPoint requests = otlp.latest("client", "skein.requests").getSum().getDataPoints(0);
    assertThat(attr(requests.getAttributesList(), "source.service")).isEqualTo("client");
    assertThat(attr(requests.getAttributesList(), "destination.service")).isEqualTo("default/front");
    assertThat(attr(requests.getAttributesList(), "response.code")).isEqualTo("200");
  }

  @Test
  @Order(3)
  void adminMetricsServePrometheusText() throws Exception {
    HttpResponse<String> r = metrics(frontAdmin);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("text/plain; version=0.0.4");
    List<PrometheusParser.Sample> samples = PrometheusParser.parse(r.body());
    double serverCount =
        samples.stream().filter(x -> x.name().equals("http_server_request_duration_seconds_count")).mapToDouble(PrometheusParser.Sample::value).sum();
    assertThat(serverCount).isEqualTo(sent);
    assertThat(samples).anyMatch(x -> x.family().equals("rpc_client_duration_seconds") && x.type().equals("histogram"));
    assertThat(samples)
        .anyMatch(x -> x.name().equals("rpc_client_duration_seconds_bucket") && x.labels().get("le").equals("+Inf") && x.value() == sent);
  }

  private static HttpResponse<String> metrics(int adminPort) throws Exception {
    return HttpClient.newHttpClient()
        .send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  @Order(4)
  void accessLogHasOneLinePerRequestWithTheTrace() throws Exception {
    await().atMost(WAIT).until(() -> accessLines("inbound").size() == sent && accessLines("outbound").size() == sent);
    String inbound = accessLines("inbound").get(0);
    String spanId = json(inbound, "span_id");
    Span bServer =
        otlp.spans("front").stream().map(OtlpReceiver.ReceivedSpan::span).filter(x -> hex(x.getSpanId()).equals(spanId)).findFirst().orElseThrow(() -> new AssertionError(inbound));
    assertThat(bServer.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_SERVER);
    assertThat(json(inbound, "trace_id")).isEqualTo(hex(bServer.getTraceId()));
    assertThat(json(inbound, "destination")).isEqualTo("front");
    assertThat(json(inbound, "source")).contains("127.0.0.1");
    assertThat(json(inbound, "method")).isEqualTo("GET");
    assertThat(json(inbound, "path")).isEqualTo("/chain/0");
    assertThat(inbound).contains("\"status\":200").containsPattern("\"duration_ms\":[0-9.]+");
    String outbound = accessLines("outbound").get(0);
    assertThat(json(outbound, "trace_id")).isEqualTo(hex(bServer.getTraceId()));
    assertThat(json(outbound, "source")).isEqualTo("front");
    assertThat(json(outbound, "destination")).isEqualTo("default/greeter");
    assertThat(json(outbound, "protocol")).isEqualTo("grpc");
    assertThat(json(outbound, "path")).isEqualTo("telemetry.Greeter/Greet");
    assertThat(json(outbound, "endpoint")).matches(".+:\\d+");
    assertThat(outbound).contains("\"status\":0");
  }

  private static List<String> accessLines(String direction) throws java.io.IOException {
    if (!java.nio.file.Files.exists(frontAccessLog)) {
      return List.of();
    }
    return java.nio.file.Files.readAllLines(frontAccessLog).stream().filter(l -> l.contains("\"direction\":\"" + direction + "\"")).toList();
  }

  private static String json(String line, String field) {
    Matcher m = Pattern.compile("\"" + field + "\":\"([^\"]*)\"").matcher(line);
    return m.find() ? m.group(1) : null;
  }

  private static String hex(com.google.protobuf.ByteString bytes) {
    return java.util.HexFormat.of().formatHex(bytes.toByteArray());
  }

  @Test
  @Order(5)
  void deadCollectorCostsNothingButTheTelemetry() throws Exception {
    // The same client, exporting to the live receiver and to collectors that accept connections
    // and never answer, over each protocol. Tiny span queues, so that drops show quickly.
    try (SilentCollector silentGrpc = new SilentCollector();
        SilentCollector silentHttp = new SilentCollector()) {
      int grpcAdmin = FreePorts.next();
      int httpAdmin = FreePorts.next();
      try (MeshJvm deadGrpc = silent(jvm("client-dead-grpc", silentGrpc.endpoint()), "grpc", grpcAdmin).start(ChainClient.class.getName());
          MeshJvm deadHttp = silent(jvm("client-dead-http", silentHttp.endpoint()), "http/protobuf", httpAdmin).start(ChainClient.class.getName())) {
        for (MeshJvm dead : List.of(deadGrpc, deadHttp)) {
          dead.awaitLineStartingWith("ready", WAIT);
          await().atMost(WAIT).until(() -> dead.agentLog().contains("telemetry ready"));
          send(dead, 20); // warm-up
        }
        send(client, 20);
        // Runs interleaved, live and dead, and the fastest of each compared: on a shared machine
        // the noise only ever adds time, and it falls on both alike.
        for (MeshJvm dead : List.of(deadGrpc, deadHttp)) {
          List<String> runs = new java.util.ArrayList<>();
          String protocol = dead == deadGrpc ? "grpc" : "http/protobuf";
          long live = Long.MAX_VALUE;
          long deadMillis = Long.MAX_VALUE;
          for (int i = 0; i < 3; i++) {
            String liveRun = send(client, 100);
            String deadRun = send(dead, 100);
            assertThat(deadRun).startsWith("done ok=100 failed=0");
            runs.add("live " + liveRun + ", dead " + deadRun);
            live = Math.min(live, millis(liveRun));
            deadMillis = Math.min(deadMillis, millis(deadRun));
          }
          System.out.println("dead collector over " + protocol + ": " + runs);
          assertThat(deadMillis).as(runs.toString()).isLessThan(live * 2 + 500);
        }
        assertThat(silentGrpc.connections()).isPositive();
        assertThat(silentHttp.connections()).isPositive();
        for (int admin : new int[] {grpcAdmin, httpAdmin}) {
          List<PrometheusParser.Sample> samples = PrometheusParser.parse(metrics(admin).body());
          double dropped =
              samples.stream()
                  .filter(x -> x.name().startsWith("otel_sdk_processor_span_processed") && "queue_full".equals(x.labels().get("error_type")))
                  .mapToDouble(PrometheusParser.Sample::value)
                  .sum();
          assertThat(dropped).as(samples.stream().map(PrometheusParser.Sample::name).distinct().toList().toString()).isPositive();
        }
      }
    }
  }

  @Test
  @Order(6)
  void tracesExporterNoneAndParentBasedSamplingAreHonoured() throws Exception {
    try (MeshJvm noTraces = jvm("client-no-traces", otlp.endpoint()).env("OTEL_TRACES_EXPORTER", "none").start(ChainClient.class.getName());
        MeshJvm unsampled =
            jvm("client-unsampled", otlp.endpoint())
                .env("OTEL_TRACES_SAMPLER", "parentbased_traceidratio")
                .env("OTEL_TRACES_SAMPLER_ARG", "0")
                .start(ChainClient.class.getName())) {
      for (MeshJvm jvm : List.of(noTraces, unsampled)) {
        jvm.awaitLineStartingWith("ready", WAIT);
        await().atMost(WAIT).until(() -> jvm.agentLog().contains("telemetry ready"));
      }
      long frontServerSpans = frontServerSpans();
      // Traced but not exported: front still sees sampled parents and records its spans.
      assertThat(send(noTraces, 5)).startsWith("done ok=5 failed=0");
      await().atMost(WAIT).until(() -> frontServerSpans() == frontServerSpans + 5);
      // Ratio 0 at the root: the unsampled flag travels, and front (parent-based) records nothing.
      assertThat(send(unsampled, 5)).startsWith("done ok=5 failed=0");
      // A barrier: one sampled request after them; once its span is in, theirs would be too.
      send(client, 1);
      await().atMost(WAIT).until(() -> frontServerSpans() >= frontServerSpans + 6);
      await().atMost(WAIT).untilAsserted(() -> {
        assertThat(OtlpReceiver.counterSum(otlp.latest("client-no-traces", "skein.requests"))).isEqualTo(5);
        assertThat(OtlpReceiver.counterSum(otlp.latest("client-unsampled", "skein.requests"))).isEqualTo(5);
      });
      assertThat(frontServerSpans()).isEqualTo(frontServerSpans + 6);
      assertThat(otlp.spans("client-no-traces")).isEmpty();
      assertThat(otlp.spans("client-unsampled")).isEmpty();
    }
  }

  @Test
  @Order(7)
  void applicationSpansJoinTheMeshTrace() throws Exception {
    // An application with the OpenTelemetry API and its own SDK: its span opened inside a mesh
    // request is a child of the mesh server span, and the mesh client span of the call made
    // inside it is a child of the application's span.
    try (MeshJvm app = jvm("appfront", otlp.endpoint()).start(dev.skein.it.apps.telemetry.AppSpansServer.class.getName(), "http://front")) {
      app.awaitLineStartingWith("listening", WAIT);
      await().atMost(WAIT).until(() -> app.agentLog().contains("telemetry ready"));
      await().atMost(WAIT).until(() -> clusters(clientAdmin).contains("default/appfront"));
      int before = client.stdoutLines().size();
      client.send("send 1 http://appfront/app/");
      await().atMost(WAIT).until(() -> client.stdoutLines().size() > before);
      assertThat(client.stdoutLines().get(client.stdoutLines().size() - 1)).as(app.agentLog()).startsWith("done ok=1 failed=0");
      String appLine = app.awaitLineStartingWith("span app-work ", WAIT);
      String[] f = appLine.split(" "); // span NAME TRACE SPAN PARENT
      // The mesh's server span ends (and is exported) after its client span and the application's.
      await().atMost(WAIT).until(() -> otlp.spans("appfront").stream().anyMatch(s -> s.span().getKind() == Span.SpanKind.SPAN_KIND_SERVER)
          && otlp.spans("appfront").stream().anyMatch(s -> s.span().getKind() == Span.SpanKind.SPAN_KIND_CLIENT));
      Span server = only(otlp.spans("appfront"), Span.SpanKind.SPAN_KIND_SERVER);
      Span outbound = only(otlp.spans("appfront"), Span.SpanKind.SPAN_KIND_CLIENT);
      assertThat(f[2]).isEqualTo(hex(server.getTraceId()));
      assertThat(f[4]).as("the application's span's parent").isEqualTo(hex(server.getSpanId()));
      assertThat(hex(outbound.getTraceId())).isEqualTo(f[2]);
      assertThat(hex(outbound.getParentSpanId())).as("the mesh client span's parent").isEqualTo(f[3]);
      await().atMost(WAIT).until(() -> otlp.spans("front").stream().anyMatch(s -> s.span().getParentSpanId().equals(outbound.getSpanId())));
    }
  }

  @Test
  @Order(8)
  void apacheClassicAndAsyncTraceAndCountLikeTheJdkClient() throws Exception {
    long before = settled(() -> Math.max(0, OtlpReceiver.histogramCount(otlp.latest("client", "http.client.request.duration"))));
    long requestsBefore = settled(() -> Math.max(0, OtlpReceiver.counterSum(otlp.latest("client", "skein.requests"))));
    List<String> libraries = List.of("apache", "apache-async");
    for (String library : libraries) {
      int lines = client.stdoutLines().size();
      client.send("send 1 http://front/chain/" + library + "- " + library);
      await().atMost(WAIT).until(() -> client.stdoutLines().size() > lines && client.stdoutLines().get(client.stdoutLines().size() - 1).startsWith("done"));
      assertThat(client.stdoutLines().get(client.stdoutLines().size() - 1)).as(library + "\n" + client.agentLog()).startsWith("done ok=1 failed=0");
    }
    for (String library : libraries) {
      String url = "http://front/chain/" + library + "-0";
      await().atMost(WAIT).until(() -> spanWith("client", Span.SpanKind.SPAN_KIND_CLIENT, "url.full", url) != null
          && spanWith("front", Span.SpanKind.SPAN_KIND_SERVER, "url.path", "/chain/" + library + "-0") != null);
      Span call = spanWith("client", Span.SpanKind.SPAN_KIND_CLIENT, "url.full", url);
      assertThat(attr(call.getAttributesList(), "http.request.method")).as(library).isEqualTo("GET");
      assertThat(attr(call.getAttributesList(), "url.path")).as(library).isEqualTo("/chain/" + library + "-0");
      assertThat(attr(call.getAttributesList(), "server.address")).as(library).isEqualTo("front");
      assertThat(attr(call.getAttributesList(), "server.port")).as(library).isEqualTo("80");
      assertThat(attr(call.getAttributesList(), "http.response.status_code")).as(library).isEqualTo("200");
      assertThat(attr(call.getAttributesList(), "skein.destination.service")).as(library).isEqualTo("default/front");
      assertThat(attr(call.getAttributesList(), "skein.endpoint")).as(library).startsWith("127.0.0.1:");
      // Its one try has no span of its own (the default); the propagation headers went out on the wire to front.
      assertThat(attr(call.getAttributesList(), "skein.attempts")).as(library).isEqualTo("1");
      Span server = spanWith("front", Span.SpanKind.SPAN_KIND_SERVER, "url.path", "/chain/" + library + "-0");
      assertThat(server.getTraceId()).as(library).isEqualTo(call.getTraceId());
      assertThat(server.getParentSpanId()).as(library).isEqualTo(call.getSpanId());
    }
    await().atMost(WAIT).untilAsserted(() -> {
      assertThat(OtlpReceiver.histogramCount(otlp.latest("client", "http.client.request.duration"))).isEqualTo(before + 2);
      assertThat(OtlpReceiver.counterSum(otlp.latest("client", "skein.requests"))).isEqualTo(requestsBefore + 2);
    });
  }

  @Test
  @Order(9)
  void w3cContextTraceStateAndBaggageGoOnTheWireAndErrorsCarryErrorType() throws Exception {
    // A request into front with a sampled W3C parent, a tracestate and baggage, as an upstream
    // outside the mesh would send them. front reads and writes W3C and baggage.
    String traceId = java.util.HexFormat.of().formatHex(java.nio.ByteBuffer.allocate(16).putLong(System.nanoTime()).putLong(0x5ce1e5L).array());
    String upstreamSpanId = "00f067aa0ba902b7";
    await().atMost(WAIT).until(() -> clusters(frontAdmin).contains("default/front"));

    // Apache HttpClient 5, classic and async, in front calling front's /headers, which answers
    // the headers it received: the context, the tracestate and the baggage went out on the wire.
    for (String library : List.of("apache", "apache-async")) {
      HttpResponse<String> r = traced("/" + library + "/x", traceId, upstreamSpanId);
      assertThat(r.statusCode()).as(library + " " + r.body() + front.agentLog()).isEqualTo(200);
      Map<String, String> received = lines(r.body());
      String[] traceparent = received.get("traceparent").split("-"); // 00-trace-span-flags
      assertThat(traceparent[1]).as(library).isEqualTo(traceId);
      assertThat(traceparent[3]).as(library).isEqualTo("01");
      assertThat(received.get("tracestate")).as(library).isEqualTo("skein=t61");
      assertThat(received.get("baggage")).as(library).contains("tenant=acme");
      // The span id on the wire is front's Apache client span, a child of front's server span.
      await().atMost(WAIT).until(() -> spanById("front", traceparent[2]) != null);
      Span call = spanById("front", traceparent[2]);
      assertThat(call.getKind()).as(library).isEqualTo(Span.SpanKind.SPAN_KIND_CLIENT);
      // front runs with skein.telemetry.attempt.spans=always: even a lone try has its child span.
      Span aTry = only(otlp.spans("front").stream().filter(x -> x.span().getParentSpanId().equals(call.getSpanId())).toList(),
          Span.SpanKind.SPAN_KIND_INTERNAL);
      assertThat(attr(aTry.getAttributesList(), "skein.attempt")).as(library).isEqualTo("1");
      assertThat(attr(aTry.getAttributesList(), "http.response.status_code")).as(library).isEqualTo("200");
      // The try names the endpoint it went to; the call, the service the application named.
      assertThat(attr(aTry.getAttributesList(), "server.address")).as(library).isEqualTo("127.0.0.1");
      assertThat(attr(aTry.getAttributesList(), "server.port")).as(library).matches("[1-9]\\d*");
      assertThat(attr(call.getAttributesList(), "url.full")).as(library).isEqualTo("http://front/headers");
      assertThat(attr(call.getAttributesList(), "url.path")).as(library).isEqualTo("/headers");
      assertThat(attr(call.getAttributesList(), "server.port")).as(library).isEqualTo("80");
      assertThat(call.getTraceState()).as(library).isEqualTo("skein=t61");
      await().atMost(WAIT).until(() -> spanById("front", hex(call.getParentSpanId())) != null);
      Span inbound = spanById("front", hex(call.getParentSpanId()));
      assertThat(attr(inbound.getAttributesList(), "url.path")).as(library).isEqualTo("/" + library + "/x");
      assertThat(hex(inbound.getParentSpanId())).as(library).isEqualTo(upstreamSpanId);
    }

    // gRPC: greeter answers the baggage its call's metadata carried, and its span keeps the tracestate.
    HttpResponse<String> grpc = traced("/chain/baggage", traceId, upstreamSpanId);
    assertThat(grpc.statusCode()).as(grpc.body()).isEqualTo(200);
    assertThat(grpc.body()).startsWith("hello /chain/baggage baggage=").contains("tenant=acme");
    await().atMost(WAIT).until(() -> spansOfTrace("greeter", traceId).size() == 1);
    Span greeted = spansOfTrace("greeter", traceId).get(0);
    assertThat(greeted.getTraceState()).isEqualTo("skein=t61");
    assertThat(attr(greeted.getAttributesList(), "error.type")).isNull();

    // A failing gRPC call: error.type on the gRPC client and server spans and on front's 502.
    HttpResponse<String> failed = traced("/chain/fail", traceId, upstreamSpanId);
    assertThat(failed.statusCode()).isEqualTo(502);
    await().atMost(WAIT).until(() -> spansOfTrace("greeter", traceId).size() == 2
        && spansOfTrace("front", traceId).stream().anyMatch(x -> "/chain/fail".equals(attr(x.getAttributesList(), "url.path"))));
    Span failedServer = spansOfTrace("greeter", traceId).stream().filter(x -> !x.equals(greeted)).findFirst().orElseThrow();
    assertThat(attr(failedServer.getAttributesList(), "rpc.grpc.status_code")).isEqualTo("3");
    assertThat(attr(failedServer.getAttributesList(), "error.type")).isEqualTo("INVALID_ARGUMENT");
    Span failedCall = spanById("front", hex(failedServer.getParentSpanId()));
    assertThat(failedCall.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_CLIENT);
    assertThat(attr(failedCall.getAttributesList(), "error.type")).isEqualTo("INVALID_ARGUMENT");
    assertThat(failedCall.getStatus().getCode()).isEqualTo(io.opentelemetry.proto.trace.v1.Status.StatusCode.STATUS_CODE_ERROR);
    Span failedInbound = spansOfTrace("front", traceId).stream().filter(x -> "/chain/fail".equals(attr(x.getAttributesList(), "url.path"))).findFirst().orElseThrow();
    assertThat(attr(failedInbound.getAttributesList(), "http.response.status_code")).isEqualTo("502");
    assertThat(attr(failedInbound.getAttributesList(), "error.type")).isEqualTo("502");
    assertThat(failedInbound.getStatus().getCode()).isEqualTo(io.opentelemetry.proto.trace.v1.Status.StatusCode.STATUS_CODE_ERROR);
  }

  @Test
  @Order(10)
  void besideTheOpenTelemetryAgentSkeinCountsButDoesNotTraceTwice() throws Exception {
    // The OpenTelemetry Java agent the benchmark runs (the build copies it into target/otel).
    java.nio.file.Path otelAgent = java.nio.file.Path.of(System.getProperty("skein.it.otelAgent", "target/otel/opentelemetry-javaagent.jar"));
    assertThat(otelAgent).isRegularFile();
    try (MeshJvm both =
        jvm("client-otel", otlp.endpoint())
            .jvmArg("-javaagent:" + otelAgent.toAbsolutePath())
            .env("OTEL_SERVICE_NAME", "client-otel")
            .env("OTEL_LOGS_EXPORTER", "none")
            // Only its JDK HttpClient tracing: the rest would only make it start slower.
            .env("OTEL_INSTRUMENTATION_COMMON_DEFAULT_ENABLED", "false")
            .env("OTEL_INSTRUMENTATION_JAVA_HTTP_CLIENT_ENABLED", "true")
            .start(ChainClient.class.getName())) {
      both.awaitLineStartingWith("ready", WAIT);
      await().atMost(WAIT).until(() -> both.agentLog().contains("telemetry ready"));
      assertThat(both.agentLog()).contains("the OpenTelemetry Java agent traces this JVM").contains("spans off");
      assertThat(send(both, 1)).as(both.agentLog()).startsWith("done ok=1 failed=0");
      // Routed by Skein, traced once, by the OpenTelemetry agent, whose context front continues.
      String url = "http://front/chain/0";
      await().atMost(WAIT).until(() -> spanWith("client-otel", Span.SpanKind.SPAN_KIND_CLIENT, "url.full", url) != null);
      List<Span> calls = otlp.spans("client-otel", Span.SpanKind.SPAN_KIND_CLIENT).stream().filter(x -> url.equals(attr(x.getAttributesList(), "url.full"))).toList();
      assertThat(calls).hasSize(1);
      await().atMost(WAIT).until(() -> otlp.spans("front", Span.SpanKind.SPAN_KIND_SERVER).stream().anyMatch(x -> x.getParentSpanId().equals(calls.get(0).getSpanId())));
      // Skein's metrics still count the call.
      await().atMost(WAIT).untilAsserted(() -> assertThat(OtlpReceiver.counterSum(otlp.latest("client-otel", "skein.requests"))).isEqualTo(1));
      assertThat(otlp.spans("client-otel").stream().map(OtlpReceiver.ReceivedSpan::span))
          .as("no Skein span (call or try)")
          .noneMatch(x -> attr(x.getAttributesList(), "skein.destination.service") != null || attr(x.getAttributesList(), "skein.attempt") != null);
    }
  }

  @Test
  @Order(11)
  void injectedGrpcFaultsAreOnTheCallSpan() throws Exception {
    String key = "/skein/policies/default/Route/greeter";
    String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    try {
      etcd.put(key, greeterRoute("fault: {abort: {percent: 100, grpcStatus: UNAVAILABLE}}"));
      await().atMost(WAIT).until(() -> traced("/chain/abort", traceId, "00f067aa0ba902b7").statusCode() == 502 && faultedGrpcCall("abort") != null);
      Span aborted = faultedGrpcCall("abort");
      assertThat(attr(aborted.getAttributesList(), "rpc.grpc.status_code")).isEqualTo("14");
      assertThat(attr(aborted.getAttributesList(), "error.type")).isEqualTo("UNAVAILABLE");
      etcd.put(key, greeterRoute("fault: {delay: {percent: 100, fixedDelay: 200ms}}"));
      await().atMost(WAIT).until(() -> traced("/chain/delay", traceId, "00f067aa0ba902b7").statusCode() == 200 && faultedGrpcCall("delay") != null);
      Span delayed = faultedGrpcCall("delay");
      assertThat(attr(delayed.getAttributesList(), "skein.fault.delay_ms")).isEqualTo("200");
      assertThat(attr(delayed.getAttributesList(), "rpc.grpc.status_code")).isEqualTo("0");
    } finally {
      etcd.delete(key);
    }
  }

  @Test
  @Order(12)
  void aTelemetryPolicyTurnsTheAccessLogOnAndOffLive() throws Exception {
    // client has no skein.access.log: a Telemetry policy selecting it decides. front has the
    // setting (a file), which wins: the namespace-wide policy below does not touch it.
    String routeKey = "/skein/policies/default/Route/front";
    String telemetryKey = "/skein/policies/default/Telemetry/client-log";
    String namespaceKey = "/skein/policies/default/Telemetry/everyone";
    try {
      etcd.put(routeKey, """
          kind: Route
          metadata: {name: front}
          spec:
            host: front
            http:
              - name: chain
                route:
                  - destination: {host: front}
          """);
      etcd.put(namespaceKey, "kind: Telemetry\nspec: {accessLogging: {disabled: true}}\n");
      await().atMost(WAIT).until(() -> client.agentLog().contains("access log off (Telemetry default/everyone)"));
      assertThat(accessLogLines(client)).isEmpty();
      long put = System.nanoTime();
      etcd.put(telemetryKey, "kind: Telemetry\nspec:\n  selector: {service: client}\n  accessLogging: {mode: CLIENT}\n");
      await().atMost(WAIT).until(() -> client.agentLog().contains("access log on, stdout, CLIENT (Telemetry default/client-log)"));
      System.out.println("Telemetry policy applied " + (System.nanoTime() - put) / 1_000_000 + " ms after the put");
      com.fasterxml.jackson.databind.JsonNode state = new com.fasterxml.jackson.databind.ObjectMapper().readTree(configDump(clientAdmin)).get("accessLog");
      assertThat(state.get("decidedBy").asText()).as(state.toString()).isEqualTo("policy");
      assertThat(state.get("policy").asText()).isEqualTo("default/client-log");
      assertThat(state.get("on").asBoolean()).isTrue();
      assertThat(state.get("mode").asText()).isEqualTo("CLIENT");
      assertThat(new com.fasterxml.jackson.databind.ObjectMapper().readTree(configDump(frontAdmin)).get("accessLog").get("decidedBy").asText())
          .isEqualTo("setting");
      String done = send(client, 3);
      assertThat(done).startsWith("done ok=3 failed=0");
      await().atMost(WAIT).until(() -> accessLogLines(client).size() >= 3);
      com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
      List<String> lines = accessLogLines(client);
      assertThat(lines).hasSize(3);
      for (String line : lines) {
        com.fasterxml.jackson.databind.JsonNode entry = json.readTree(line);
        assertThat(entry.get("direction").asText()).isEqualTo("outbound");
        assertThat(entry.get("trace_id").asText()).matches("[0-9a-f]{32}");
        assertThat(entry.get("source").asText()).isEqualTo("client");
        assertThat(entry.get("destination").asText()).isEqualTo("default/front");
        assertThat(entry.get("route").asText()).isEqualTo("chain");
        assertThat(entry.get("status").asInt()).isEqualTo(200);
        assertThat(entry.get("duration_ms").isNumber()).isTrue();
        assertThat(entry.get("path").asText()).startsWith("/chain/");
      }
      // The trace id is the client span's.
      String traceId = json.readTree(lines.get(0)).get("trace_id").asText();
      await().atMost(WAIT).until(() -> otlp.spans("client").stream().anyMatch(x -> hex(x.span().getTraceId()).equals(traceId)));

      // An invalid change is refused with one line naming key and field; the last good one stays.
      etcd.put(telemetryKey, "kind: Telemetry\nspec:\n  selector: {service: client}\n  accessLogging: {disabled: maybe}\n");
      await().atMost(WAIT).until(() -> client.agentLog().contains(
          "policy rejected, last good version kept: " + telemetryKey + ": spec.accessLogging.disabled: must be true or false, got \"maybe\""));
      send(client, 1);
      await().atMost(WAIT).until(() -> accessLogLines(client).size() == 4);

      // Disabled: no more lines.
      etcd.put(telemetryKey, "kind: Telemetry\nspec:\n  selector: {service: client}\n  accessLogging: {disabled: true}\n");
      await().atMost(WAIT).until(() -> client.agentLog().contains("access log off (Telemetry default/client-log)"));
      send(client, 2);
      // On again, then deleted: the namespace-wide policy (disabled) is what remains.
      etcd.put(telemetryKey, "kind: Telemetry\nspec:\n  selector: {service: client}\n  accessLogging: {}\n");
      await().atMost(WAIT).until(() -> client.agentLog().contains("access log on, stdout, CLIENT_AND_SERVER"));
      etcd.delete(telemetryKey);
      await().atMost(WAIT).until(() -> occurrences(client.agentLog(), "access log off (Telemetry default/everyone)") == 2);
      send(client, 2);
      // A barrier: the namespace's policy turns it on, one more request; lines are written in
      // order by one thread, so any line of the requests above would be before its line.
      etcd.put(namespaceKey, "kind: Telemetry\nspec: {accessLogging: {}}\n");
      await().atMost(WAIT).until(() -> client.agentLog().contains("access log on, stdout, CLIENT_AND_SERVER (Telemetry default/everyone)"));
      send(client, 1);
      await().atMost(WAIT).until(() -> accessLogLines(client).size() >= 5);
      assertThat(accessLogLines(client)).hasSize(5);
      assertThat(front.agentLog()).contains("Telemetry default/everyone: access log left as skein.access.log sets it");
    } finally {
      etcd.delete(telemetryKey);
      etcd.delete(namespaceKey);
      etcd.delete(routeKey);
    }
  }

  private static String configDump(int adminPort) throws Exception {
    return HttpClient.newHttpClient()
        .send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/config_dump")).build(), HttpResponse.BodyHandlers.ofString())
        .body();
  }

  private static int occurrences(String text, String part) {
    int n = 0;
    for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
      n++;
    }
    return n;
  }

  /** The JSON access-log lines a JVM wrote to its stdout. */
  private static List<String> accessLogLines(MeshJvm jvm) {
    return jvm.stdoutLines().stream().filter(l -> l.startsWith("{\"time\"")).toList();
  }

  private static String greeterRoute(String rule) {
    return """
        kind: Route
        metadata: {name: greeter}
        spec:
          host: greeter
          http:
            - route:
                - destination: {host: greeter}
        %s""".formatted(rule.indent(6));
  }

  /** A gRPC call span of front whose {@code skein.fault} is this, or null. */
  private static Span faultedGrpcCall(String fault) {
    return otlp.spans("front", Span.SpanKind.SPAN_KIND_CLIENT).stream()
        .filter(x -> "grpc".equals(attr(x.getAttributesList(), "rpc.system")) && fault.equals(attr(x.getAttributesList(), "skein.fault")))
        .findFirst().orElse(null);
  }

  /** A GET straight to front's port (from outside the mesh) with a W3C parent, a tracestate and baggage. */
  private static HttpResponse<String> traced(String path, String traceId, String parentSpanId) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + frontPort + path))
                .header("traceparent", "00-" + traceId + "-" + parentSpanId + "-01")
                .header("tracestate", "skein=t61")
                .header("baggage", "tenant=acme")
                .timeout(WAIT)
                .build(),
            HttpResponse.BodyHandlers.ofString());
  }

  /** {@code name=value} lines as a map. */
  private static Map<String, String> lines(String body) {
    Map<String, String> values = new java.util.HashMap<>();
    for (String line : body.split("\n")) {
      int eq = line.indexOf('=');
      if (eq > 0) {
        values.put(line.substring(0, eq), line.substring(eq + 1));
      }
    }
    return values;
  }

  private static Span spanById(String service, String spanId) {
    return otlp.spans(service).stream().map(OtlpReceiver.ReceivedSpan::span).filter(x -> hex(x.getSpanId()).equals(spanId)).findFirst().orElse(null);
  }

  private static List<Span> spansOfTrace(String service, String traceId) {
    return otlp.spans(service).stream().map(OtlpReceiver.ReceivedSpan::span).filter(x -> hex(x.getTraceId()).equals(traceId)).toList();
  }

  /** The first span of this kind from this service whose attribute has this value, or null. */
  private static Span spanWith(String service, Span.SpanKind kind, String attribute, String value) {
    return otlp.spans(service).stream()
        .map(OtlpReceiver.ReceivedSpan::span)
        .filter(s -> s.getKind() == kind && value.equals(attr(s.getAttributesList(), attribute)))
        .findFirst()
        .orElse(null);
  }

  /** A cumulative metric's value once two exports a second apart agree (every earlier call counted). */
  private static long settled(java.util.function.LongSupplier value) throws InterruptedException {
    long last = value.getAsLong();
    for (int i = 0; i < 60; i++) {
      Thread.sleep(1_100);
      long now = value.getAsLong();
      if (now == last) {
        return now;
      }
      last = now;
    }
    return last;
  }

  private static long frontServerSpans() {
    return otlp.spans("front").stream().filter(s -> s.span().getKind() == Span.SpanKind.SPAN_KIND_SERVER).count();
  }

  private static MeshJvm.Builder silent(MeshJvm.Builder builder, String protocol, int admin) {
    return builder
        .env("OTEL_EXPORTER_OTLP_PROTOCOL", protocol)
        .env("OTEL_BSP_MAX_QUEUE_SIZE", "8")
        .env("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "4")
        .property("skein.admin.port", Integer.toString(admin));
  }

  private static long millis(String done) {
    return Long.parseLong(done.replaceAll(".*millis=(\\d+).*", "$1"));
  }
}
