package dev.skein.it.telemetry;

import dev.skein.it.support.GrpcMarshallers;
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
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A loopback OTLP receiver, OTLP/HTTP (protobuf, on the JDK HTTP server) and OTLP/gRPC (the
 * {@code TraceService/Export} and {@code MetricsService/Export} methods on a gRPC server): decodes
 * the real OTLP request messages and keeps every span and every metric export with the exporting
 * service's name and the protocol it came over.
 */
public final class OtlpReceiver implements AutoCloseable {
  public record ReceivedSpan(String service, Span span, String protocol) {}

  record ReceivedMetric(String service, Metric metric, long receivedNanos, String protocol) {}

  private final HttpServer server;
  private final Server grpc;
  final List<ReceivedSpan> spans = new CopyOnWriteArrayList<>();
  final List<ReceivedMetric> metrics = new CopyOnWriteArrayList<>();

  public OtlpReceiver() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    server.createContext("/v1/traces", ex -> receive(ex, true));
    server.createContext("/v1/metrics", ex -> receive(ex, false));
    server.start();
    grpc =
        NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
            .addService(
                ServerServiceDefinition.builder("opentelemetry.proto.collector.trace.v1.TraceService")
                    .addMethod(export("opentelemetry.proto.collector.trace.v1.TraceService/Export"), ServerCalls.asyncUnaryCall((body, response) -> {
                      accept(body, true, "grpc");
                      response.onNext(new byte[0]); // an empty ExportTraceServiceResponse
                      response.onCompleted();
                    }))
                    .build())
            .addService(
                ServerServiceDefinition.builder("opentelemetry.proto.collector.metrics.v1.MetricsService")
                    .addMethod(export("opentelemetry.proto.collector.metrics.v1.MetricsService/Export"), ServerCalls.asyncUnaryCall((body, response) -> {
                      accept(body, false, "grpc");
                      response.onNext(new byte[0]);
                      response.onCompleted();
                    }))
                    .build())
            .build()
            .start();
  }

  /** The OTLP/HTTP endpoint ({@code http/protobuf}). */
  public String endpoint() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** The OTLP/gRPC endpoint ({@code grpc}). */
  String grpcEndpoint() {
    return "http://127.0.0.1:" + grpc.getPort();
  }

  private void receive(HttpExchange ex, boolean traces) throws IOException {
    accept(ex.getRequestBody().readAllBytes(), traces, "http/protobuf");
    // An empty Export*ServiceResponse is zero bytes.
    ex.getResponseHeaders().set("Content-Type", "application/x-protobuf");
    ex.sendResponseHeaders(200, -1);
    ex.close();
  }

  private void accept(byte[] body, boolean traces, String protocol) {
    try {
      if (traces) {
        for (ResourceSpans rs : ExportTraceServiceRequest.parseFrom(body).getResourceSpansList()) {
          String service = serviceName(rs.getResource());
          rs.getScopeSpansList().forEach(ss -> ss.getSpansList().forEach(s -> spans.add(new ReceivedSpan(service, s, protocol))));
        }
      } else {
        long now = System.nanoTime();
        for (ResourceMetrics rm : ExportMetricsServiceRequest.parseFrom(body).getResourceMetricsList()) {
          String service = serviceName(rm.getResource());
          rm.getScopeMetricsList().forEach(sm -> sm.getMetricsList().forEach(m -> metrics.add(new ReceivedMetric(service, m, now, protocol))));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A unary method carrying the encoded protobuf as bytes: decoded above with the OTLP classes. */
  private static MethodDescriptor<byte[], byte[]> export(String fullName) {
    MethodDescriptor.Marshaller<byte[]> bytes = GrpcMarshallers.BYTES;
    return MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(MethodDescriptor.MethodType.UNARY)
        .setFullMethodName(fullName)
        .setRequestMarshaller(bytes)
        .setResponseMarshaller(bytes)
        .build();
  }

  /** The protocols a service's exports came over. */
  java.util.Set<String> protocols(String service) {
    java.util.Set<String> out = new java.util.TreeSet<>();
    spans.stream().filter(s -> s.service().equals(service)).forEach(s -> out.add(s.protocol()));
    metrics.stream().filter(m -> m.service().equals(service)).forEach(m -> out.add(m.protocol()));
    return out;
  }

  static String serviceName(Resource resource) {
    return resource.getAttributesList().stream().filter(kv -> kv.getKey().equals("service.name")).map(kv -> kv.getValue().getStringValue()).findFirst().orElse("");
  }

  public List<ReceivedSpan> spans(String service) {
    List<ReceivedSpan> out = new ArrayList<>();
    for (ReceivedSpan s : spans) {
      if (s.service().equals(service)) {
        out.add(s);
      }
    }
    return out;
  }

  /** The spans of one kind a service exported, in the order they arrived. */
  public List<Span> spans(String service, Span.SpanKind kind) {
    return spans(service).stream().map(ReceivedSpan::span).filter(s -> s.getKind() == kind).toList();
  }

  /** The count of a histogram over all its data points; -1 when the metric was not exported. */
  public static long histogramCount(Metric m) {
    return m == null ? -1 : m.getHistogram().getDataPointsList().stream().mapToLong(io.opentelemetry.proto.metrics.v1.HistogramDataPoint::getCount).sum();
  }

  /** The sum of a counter over all its data points; -1 when the metric was not exported. */
  public static long counterSum(Metric m) {
    return m == null ? -1 : m.getSum().getDataPointsList().stream().mapToLong(io.opentelemetry.proto.metrics.v1.NumberDataPoint::getAsInt).sum();
  }

  /** The newest export of a metric by a service (cumulative, so it holds every count so far). */
  public Metric latest(String service, String name) {
    Metric found = null;
    for (ReceivedMetric m : metrics) {
      if (m.service().equals(service) && m.metric().getName().equals(name)) {
        found = m.metric();
      }
    }
    return found;
  }

  public static String attr(List<KeyValue> attributes, String key) {
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
    grpc.shutdownNow();
  }
}
