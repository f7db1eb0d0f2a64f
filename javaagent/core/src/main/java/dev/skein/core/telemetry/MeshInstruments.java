package dev.skein.core.telemetry;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.Meter;
import java.util.List;

/**
 * The golden-signal instruments: the semantic-convention duration histograms (seconds) and the
 * mesh request counter {@code skein.requests} (source and destination service, subset, code).
 */
final class MeshInstruments {
  // The semantic conventions' advised boundaries for request durations, in seconds.
  private static final List<Double> BUCKETS = List.of(0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0);

  static final AttributeKey<String> SOURCE_SERVICE = AttributeKey.stringKey("source.service");
  static final AttributeKey<String> DESTINATION_SERVICE = AttributeKey.stringKey("destination.service");
  static final AttributeKey<String> DESTINATION_SUBSET = AttributeKey.stringKey("destination.subset");
  static final AttributeKey<String> RESPONSE_CODE = AttributeKey.stringKey("response.code");

  private final DoubleHistogram httpClient;
  private final DoubleHistogram httpServer;
  private final DoubleHistogram rpcClient;
  private final DoubleHistogram rpcServer;
  private final LongCounter requests;
  private final LongCounter inbound;

  MeshInstruments(Meter meter) {
    httpClient = histogram(meter, "http.client.request.duration", "Duration of HTTP client requests.");
    httpServer = histogram(meter, "http.server.request.duration", "Duration of HTTP server requests.");
    rpcClient = histogram(meter, "rpc.client.duration", "Duration of outbound RPCs.");
    rpcServer = histogram(meter, "rpc.server.duration", "Duration of inbound RPCs.");
    requests = meter.counterBuilder("skein.requests").setUnit("{request}").setDescription("Requests sent through the mesh, by source and destination.").build();
    inbound = meter.counterBuilder("skein.inbound.requests").setUnit("{request}")
        .setDescription("Requests this workload's servers received, by how the connection was secured and the peer's SPIFFE ID.").build();
  }

  private static DoubleHistogram histogram(Meter meter, String name, String description) {
    return meter.histogramBuilder(name).setUnit("s").setDescription(description).setExplicitBucketBoundariesAdvice(BUCKETS).build();
  }

  void client(boolean grpc, double seconds, Attributes attributes) {
    (grpc ? rpcClient : httpClient).record(seconds, attributes);
  }

  void server(boolean grpc, double seconds, Attributes attributes) {
    (grpc ? rpcServer : httpServer).record(seconds, attributes);
  }

  // skein.requests attribute sets by destination, subset and status, built once (bounded).
  private final java.util.concurrent.ConcurrentHashMap<RequestKey, Attributes> requestAttributes = new java.util.concurrent.ConcurrentHashMap<>();

  private record RequestKey(String source, String destination, String subset, int status) {}

  /** Counts one request; {@code code} is the status, or the error type when there is none. */
  void request(String source, String destination, String subset, int status, String errorType) {
    if (status < 0) {
      requests.add(1, requestAttributes(source, destination, subset, errorType == null ? "error" : errorType));
      return;
    }
    RequestKey key = new RequestKey(source, destination, subset, status);
    Attributes attributes = requestAttributes.get(key);
    if (attributes == null) {
      attributes = requestAttributes(source, destination, subset, Integer.toString(status));
      if (requestAttributes.size() < MetricAttributes.MAX_SHAPES) {
        requestAttributes.put(key, attributes);
      }
    }
    requests.add(1, attributes);
  }

  private static Attributes requestAttributes(String source, String destination, String subset, String code) {
    return Attributes.of(
        SOURCE_SERVICE, source == null ? "unknown" : source,
        DESTINATION_SERVICE, destination == null ? "unknown" : destination,
        DESTINATION_SUBSET, subset == null ? "" : subset,
        RESPONSE_CODE, code);
  }

  /** Counts one inbound request with its connection's attributes (see {@link InboundConnections}). */
  void inbound(Attributes connection) {
    inbound.add(1, connection);
  }
}
