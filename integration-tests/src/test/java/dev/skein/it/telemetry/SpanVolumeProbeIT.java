package dev.skein.it.telemetry;

import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.skein.it.support.EtcdServer;
import dev.skein.it.support.MeshJvm;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * What one agent exports per HTTP request, for comparing Skein with the OpenTelemetry Java agent:
 * an echo server and a client at 50 requests/s, both under the agent, exporting OTLP/HTTP to a
 * loopback receiver that decodes the spans; prints the trace bytes per request over ten seconds,
 * each kind of span's average serialized size with its attributes, and the resource. A measuring
 * tool, not a check: it runs only when asked,
 * {@code mvn -pl integration-tests verify -Dit.test=SpanVolumeProbeIT -Dprobe.agent=skein} (or
 * {@code otel}), and its lines start with {@code PROBE}.
 */
@org.junit.jupiter.api.condition.EnabledIfSystemProperty(named = "probe.agent", matches = "skein|otel")
class SpanVolumeProbeIT {
  static final AtomicLong bodyBytes = new AtomicLong();
  static final List<ResourceSpans> received = new CopyOnWriteArrayList<>();

  @Test
  void probe() throws Exception {
    String which = System.getProperty("probe.agent");
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    server.createContext("/v1/", ex -> {
      byte[] body = ex.getRequestBody().readAllBytes();
      String enc = ex.getRequestHeaders().getFirst("Content-Encoding");
      if (ex.getRequestURI().getPath().endsWith("traces")) {
        bodyBytes.addAndGet(body.length);
        byte[] raw = "gzip".equals(enc) ? new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(body)).readAllBytes() : body;
        received.addAll(ExportTraceServiceRequest.parseFrom(raw).getResourceSpansList());
      }
      ex.sendResponseHeaders(200, -1);
      ex.close();
    });
    server.start();
    String endpoint = "http://127.0.0.1:" + server.getAddress().getPort();
    java.nio.file.Path otel = java.nio.file.Path.of("target/otel/opentelemetry-javaagent.jar").toAbsolutePath();
    try (EtcdServer etcd = EtcdServer.started()) {
      MeshJvm.Builder sb = MeshJvm.builder("echo");
      MeshJvm.Builder cb = MeshJvm.builder("traffic");
      for (MeshJvm.Builder b : List.of(sb, cb)) {
        b.env("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint).env("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
            .env("OTEL_METRIC_EXPORT_INTERVAL", "10000").env("OTEL_BSP_SCHEDULE_DELAY", "200");
        if (which.equals("otel")) {
          b.withoutAgent().jvmArg("-javaagent:" + otel).env("OTEL_TRACES_EXPORTER", "otlp").env("OTEL_METRICS_EXPORTER", "otlp").env("OTEL_LOGS_EXPORTER", "none");
        } else {
          b.property("skein.etcd.endpoints", etcd.endpoint());
        }
      }
      sb.env("OTEL_SERVICE_NAME", "bench-server").property("skein.service", "echo");
      cb.env("OTEL_SERVICE_NAME", "bench-client").property("skein.service", "bench-client");
      try (MeshJvm echo = sb.start("dev.skein.it.apps.EchoServer")) {
        int port = Integer.parseInt(echo.awaitLineStartingWith("listening", Duration.ofSeconds(120)).split(" ")[1].trim());
        if (!which.equals("otel")) {
          await().atMost(Duration.ofSeconds(60)).until(() -> etcd.getPrefix("/skein/endpoints/default/echo/").contains("http"));
        }
        String url = which.equals("otel") ? "http://127.0.0.1:" + port + "/bench" : "http://echo/bench";
        MeshJvm client = cb.start("dev.skein.it.apps.TrafficClient", url, "50");
        // Let it warm up, then measure over a window.
        await().atMost(Duration.ofSeconds(120)).until(() -> client.stdoutLines().stream().filter(l -> l.startsWith("stats ok=")).count() >= 3);
        Thread.sleep(3000);
        long b0 = bodyBytes.get();
        int s0 = received.size();
        int l0 = client.stdoutLines().size();
        Thread.sleep(10_000);
        long ok = client.stdoutLines().subList(l0, client.stdoutLines().size()).stream().filter(l -> l.startsWith("stats ok="))
            .mapToLong(l -> Long.parseLong(l.replaceAll("stats ok=(\\d+).*", "$1"))).sum();
        long b1 = bodyBytes.get();
        System.out.println("PROBE " + which + " ok=" + ok + " traceBytes=" + (b1 - b0) + " perRequest=" + (b1 - b0) / Math.max(1, ok));
        client.close();
        List<ResourceSpans> window = received.subList(s0, received.size());
        Map<String, long[]> sizes = new TreeMap<>();
        Map<String, Span> sample = new TreeMap<>();
        long resourceBytes = 0;
        for (ResourceSpans rs : window) {
          resourceBytes += rs.getResource().getSerializedSize();
          String svc = rs.getResource().getAttributesList().stream().filter(k -> k.getKey().equals("service.name")).findFirst().map(k -> k.getValue().getStringValue()).orElse("?");
          for (ScopeSpans ss : rs.getScopeSpansList()) {
            for (Span s : ss.getSpansList()) {
              String key = svc + " " + s.getKind() + " " + s.getName();
              long[] v = sizes.computeIfAbsent(key, k -> new long[2]);
              v[0]++;
              v[1] += s.getSerializedSize();
              sample.putIfAbsent(key, s);
            }
          }
        }
        System.out.println("PROBE resource exports=" + window.size() + " resourceBytesTotal=" + resourceBytes);
        if (!window.isEmpty()) {
          System.out.println("PROBE resource sample (" + window.get(0).getResource().getSerializedSize() + " B): " + window.get(0).getResource());
        }
        sizes.forEach((k, v) -> {
          System.out.println("PROBE span " + k + " count=" + v[0] + " avgBytes=" + v[1] / v[0]);
          Span s = sample.get(k);
          for (KeyValue kv : s.getAttributesList()) {
            System.out.println("PROBE    " + kv.getKey() + " = " + kv.getValue().toString().trim().replace('\n', ' ') + " (" + kv.getSerializedSize() + " B)");
          }
          System.out.println("PROBE    events=" + s.getEventsCount() + " links=" + s.getLinksCount() + " status=" + s.getStatus().getCode()
              + " flags=" + s.getFlags() + " traceState=" + s.getTraceState());
        });
      }
    } finally {
      server.stop(0);
    }
  }
}
