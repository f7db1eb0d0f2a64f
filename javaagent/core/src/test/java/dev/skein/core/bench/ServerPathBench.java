package dev.skein.core.bench;

import dev.skein.api.KeyLayout;
import dev.skein.api.PolicyKind;
import dev.skein.bootstrap.HeaderLookup;
import dev.skein.bootstrap.OutboundRoute;
import dev.skein.core.authz.Authorizer;
import dev.skein.core.lifecycle.Drain;
import dev.skein.core.routing.Router;
import dev.skein.core.state.ConfigChange;
import dev.skein.core.state.PolicyStore;
import dev.skein.core.state.SnapshotBuilder;
import dev.skein.core.telemetry.Telemetry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The server (inbound) request path as the engine runs it for every request, without the
 * network (and, for comparison, the client side's telemetry of one call): the telemetry start (W3C context extracted from the headers, a SERVER span with its
 * attributes), the drain count, the authorization decision (an ALLOW policy that matches), the
 * span made current and closed again, and the end (status on the span, the duration histogram
 * recorded). Spans are sampled, recorded and batched, and handed to an exporter that drops them
 * ({@link DiscardingSpanExporterProvider}), so what is measured is what the agent adds per request.
 *
 * <p>Run: {@code bin/bench-request-path ServerPathBench} (JMH with {@code -prof gc}: ns and bytes
 * per request).
 */
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {"-Dskein.telemetry.bridge=off", "-Dotel.metrics.exporter=none", "-Dotel.traces.exporter=discard"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ServerPathBench {
  private static final KeyLayout LAYOUT = new KeyLayout("/skein");
  private static final String PRINCIPAL = "spiffe://skein.local/ns/default/sa/bench-client";

  private static final OutboundRoute ROUTE = new OutboundRoute("127.0.0.2", 8080, "orders", "split", "v1");

  private Telemetry telemetry;
  private Authorizer authorizer;
  private final Drain drain = new Drain(Duration.ofSeconds(1));
  private final HeaderLookup headers =
      name -> name.equals("traceparent") ? "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" : null;

  @Setup(Level.Trial)
  public void setUp() throws InterruptedException {
    telemetry = new Telemetry("orders", true);
    telemetry.start();
    if (!telemetry.ready()) {
      throw new IllegalStateException("telemetry did not start");
    }
    Map<String, byte[]> values = new HashMap<>();
    values.put(
        LAYOUT.policyKey(PolicyKind.AuthorizationPolicy, "default", "orders-readers"),
        """
        kind: AuthorizationPolicy
        spec:
          selector: {service: orders}
          action: ALLOW
          rules:
            - from: [{principals: ["spiffe://skein.local/ns/default/sa/bench-client"]}]
              to: [{methods: [GET], paths: ["/orders/*"]}]
        """
            .getBytes(StandardCharsets.UTF_8));
    Router router = new Router(Duration.ZERO);
    new PolicyStore(LAYOUT, new SnapshotBuilder(LAYOUT, "default"), router::publish)
        .apply(new ConfigChange.Resync(values, 1, ConfigChange.Origin.ETCD));
    authorizer = new Authorizer("default", "orders", policy -> {});
    authorizer.update(router.snapshot().policies());
    if (!authorizer.inForce() || authorizer.decide("GET", "/orders/42", PRINCIPAL) != Authorizer.Verdict.ALLOW) {
      throw new IllegalStateException("the authorization policy is not in force");
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    telemetry.shutdown();
  }

  /** One inbound HTTP request, start to end, as the engine observes and authorizes it. */
  @Benchmark
  public Object inboundHttp() {
    Object call = drain.begin(telemetry.serverStart("http", "GET", "/orders/42?verbose=1", headers, "127.0.0.1"));
    Object observed = Drain.observed(call);
    telemetry.serverPeerIdentity(observed, PRINCIPAL);
    Authorizer.Verdict verdict = authorizer.decide("GET", "/orders/42?verbose=1", PRINCIPAL);
    Object scope = telemetry.attach(observed);
    telemetry.detach(scope);
    telemetry.serverEnd(drain.end(call), 200, null);
    return verdict;
  }

  /**
   * The client side's telemetry for one outbound HTTP call that the mesh routed: the CLIENT span
   * with the context injected into the request headers, one attempt span, the duration
   * histogram and the {@code skein.requests} counter.
   */
  @Benchmark
  public Object outboundHttpTelemetry() {
    Map<String, String> inject = new HashMap<>(4);
    Object call = telemetry.clientStart("http", ROUTE, "GET", "http://orders/orders/42", "orders", 80, inject);
    Object attempt = telemetry.attemptStart(call, 1, ROUTE);
    telemetry.attemptEnd(attempt, 200, null, null);
    telemetry.clientEnd(call, 200, null);
    return inject;
  }

  /** The telemetry alone: span and metrics of one inbound HTTP request. */
  @Benchmark
  public Object telemetryOnly() {
    Object call = telemetry.serverStart("http", "GET", "/orders/42?verbose=1", headers, "127.0.0.1");
    telemetry.detach(telemetry.attach(call));
    telemetry.serverEnd(call, 200, null);
    return call;
  }
}
