package dev.skein.it.telemetry;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A loopback OTLP/HTTP (protobuf) receiver on the JDK HTTP server: decodes the real OTLP request
 * messages and keeps every span and every metric export with the exporting service's name.
 */
final class OtlpReceiver implements AutoCloseable {
  record ReceivedSpan(String service, Span span) {}

  record ReceivedMetric(String service, Metric metric, long receivedNanos) {}

  private final HttpServer server;
  final List<ReceivedSpan> spans = new CopyOnWriteArrayList<>();
  final List<ReceivedMetric> metrics = new CopyOnWriteArrayList<>();

  OtlpReceiver() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    server.createContext("/v1/traces", ex -> receive(ex, true));
    server.createContext("/v1/metrics", ex -> receive(ex, false));
    server.start();
  }

  String endpoint() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  private void receive(HttpExchange ex, boolean traces) throws IOException {
    byte[] body = ex.getRequestBody().readAllBytes();
    if (traces) {
      for (ResourceSpans rs : ExportTraceServiceRequest.parseFrom(body).getResourceSpansList()) {
        String service = serviceName(rs.getResource());
        rs.getScopeSpansList().forEach(ss -> ss.getSpansList().forEach(s -> spans.add(new ReceivedSpan(service, s))));
      }
    } else {
      long now = System.nanoTime();
      for (ResourceMetrics rm : ExportMetricsServiceRequest.parseFrom(body).getResourceMetricsList()) {
        String service = serviceName(rm.getResource());
        rm.getScopeMetricsList().forEach(sm -> sm.getMetricsList().forEach(m -> metrics.add(new ReceivedMetric(service, m, now))));
      }
    }
    // An empty Export*ServiceResponse is zero bytes.
    ex.getResponseHeaders().set("Content-Type", "application/x-protobuf");
    ex.sendResponseHeaders(200, -1);
    ex.close();
  }

  static String serviceName(Resource resource) {
    return resource.getAttributesList().stream().filter(kv -> kv.getKey().equals("service.name")).map(kv -> kv.getValue().getStringValue()).findFirst().orElse("");
  }

  List<ReceivedSpan> spans(String service) {
    List<ReceivedSpan> out = new ArrayList<>();
    for (ReceivedSpan s : spans) {
      if (s.service().equals(service)) {
        out.add(s);
      }
    }
    return out;
  }

  /** The newest export of a metric by a service (cumulative, so it holds every count so far). */
  Metric latest(String service, String name) {
    Metric found = null;
    for (ReceivedMetric m : metrics) {
      if (m.service().equals(service) && m.metric().getName().equals(name)) {
        found = m.metric();
      }
    }
    return found;
  }

  static String attr(List<KeyValue> attributes, String key) {
    for (KeyValue kv : attributes) {
      if (kv.getKey().equals(key)) {
        AnyValue v = kv.getValue();
        return v.hasIntValue() ? Long.toString(v.getIntValue()) : v.getStringValue();
      }
    }
    return null;
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
