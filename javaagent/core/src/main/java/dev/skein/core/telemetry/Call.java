package dev.skein.core.telemetry;

import dev.skein.bootstrap.OutboundRoute;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.function.BiConsumer;

/** One observed call, client or server: its span, start time and the attributes for its metrics. */
final class Call {
  final boolean client;
  final boolean grpc;
  final Span span;
  final Context context;
  final long startNanos = System.nanoTime();
  final MetricAttributes.Shape metricAttributes;
  /** Mesh destination (client calls): the host the application named until a route says more. */
  volatile String destination;
  volatile String subset;
  /** For the access log: the request as the application made or received it, and its route. */
  String method;
  String target;
  String peer;
  volatile String routeName;
  volatile String endpoint;
  /** Server calls: how the connection was secured, as {@code skein.inbound.requests} attributes (see Telemetry#serverConnection). */
  volatile io.opentelemetry.api.common.Attributes connection;
  /** The span id under which a gRPC client call waits for its route (see Telemetry#routed). */
  String pendingKey;
  // A field updater rather than an AtomicBoolean: one object less per request.
  private static final AtomicIntegerFieldUpdater<Call> ENDED = AtomicIntegerFieldUpdater.newUpdater(Call.class, "ended");
  private volatile int ended;

  Call(boolean client, boolean grpc, Span span, Context context, MetricAttributes.Shape metricAttributes) {
    this.client = client;
    this.grpc = grpc;
    this.span = span;
    this.context = context;
    this.metricAttributes = metricAttributes;
  }

  /** The route a call took once it is known (a gRPC call's pick): on the span too. */
  void route(OutboundRoute route) {
    if (route == null) {
      return;
    }
    String authority = route.authority();
    noteRoute(route, authority);
    if (span.isRecording()) {
      routeAttributes(route, authority, span::setAttribute);
    }
  }

  /** The route for the metrics and the access log; {@code authority} is the route's. */
  void noteRoute(OutboundRoute route, String authority) {
    destination = route.service();
    subset = route.subset();
    routeName = route.route();
    endpoint = authority;
  }

  /**
   * The route's span attributes, set through {@code set}: a span builder's (one map filled before
   * the start, no lock per attribute after) or, once the route is known later, the span's.
   */
  static void routeAttributes(OutboundRoute route, String authority, BiConsumer<AttributeKey<String>, String> set) {
    set.accept(SemanticAttributes.SKEIN_DESTINATION, route.service());
    set.accept(SemanticAttributes.SKEIN_ENDPOINT, authority);
    if (route.route() != null) {
      set.accept(SemanticAttributes.SKEIN_ROUTE, route.route());
    }
    if (route.subset() != null) {
      set.accept(SemanticAttributes.SKEIN_SUBSET, route.subset());
    }
  }

  /** True once: a call ends exactly one time, whichever of its endings comes first. */
  boolean end() {
    return ENDED.compareAndSet(this, 0, 1);
  }
}
