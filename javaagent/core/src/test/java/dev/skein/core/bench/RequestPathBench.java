package dev.skein.core.bench;

import dev.skein.api.Endpoint;
import dev.skein.api.KeyLayout;
import dev.skein.api.PolicyKind;
import dev.skein.bootstrap.ClientCalls;
import dev.skein.bootstrap.ClientExchange;
import dev.skein.bootstrap.HeaderLookup;
import dev.skein.bootstrap.MeshCall;
import dev.skein.bootstrap.OutboundRoute;
import dev.skein.core.routing.Router;
import dev.skein.core.state.ConfigChange;
import dev.skein.core.state.PolicyStore;
import dev.skein.core.state.SnapshotBuilder;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * The client request path with a full policy in force, without the network: route match (a
 * header rule that does not match, then the default rule), a 90/10 weighted split, LEAST_REQUEST,
 * retries and timeouts configured, the circuit breaker asked, the bulkhead slot taken and given
 * back, the outcome recorded for outlier detection, the retry budget fed. The "library" answers
 * 200 at once, so what is measured is what the agent adds per call.
 *
 * <p>Run: {@code bin/bench-request-path} (JMH with {@code -prof gc}: ns and bytes per call).
 */
@State(Scope.Benchmark)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class RequestPathBench {
  private static final KeyLayout LAYOUT = new KeyLayout("/skein");
  private static final Integer OK = 200;

  private Router router;
  private final HeaderLookup headers = name -> name.equals("x-user") ? "alice" : null;
  private final ClientExchange<Integer> library =
      new ClientExchange<>() {
        @Override
        public Integer send(OutboundRoute endpoint, long perTryMillis) {
          return OK;
        }

        @Override
        public CompletableFuture<Integer> sendAsync(OutboundRoute endpoint, long perTryMillis) {
          return CompletableFuture.completedFuture(OK);
        }

        @Override
        public int status(Integer response) {
          return response;
        }

        @Override
        public void discard(Integer response) {}

        @Override
        public Integer synthetic(int status, String header, String value) {
          return status;
        }

        @Override
        public IOException timeout() {
          return new SocketTimeoutException();
        }
      };

  @Setup(Level.Trial)
  public void setUp() {
    Map<String, byte[]> values = new HashMap<>();
    values.put(
        LAYOUT.policyKey(PolicyKind.DestinationPolicy, "default", "orders"),
        bytes(
            """
            kind: DestinationPolicy
            spec:
              host: orders
              subsets:
                - {name: v1, labels: {version: v1}}
                - {name: v2, labels: {version: v2}}
              loadBalancer: {simple: LEAST_REQUEST}
              connectionPool: {maxConcurrentRequests: 1000, maxRequestsPerEndpoint: 16, maxPendingRequests: 500}
              outlierDetection: {consecutive5xxErrors: 5, interval: 10s, baseEjectionTime: 30s, maxEjectionPercent: 50}
              circuitBreaker: {failureRateThreshold: 50, minimumCalls: 20, openStateDuration: 30s}
            """));
    values.put(
        LAYOUT.policyKey(PolicyKind.Route, "default", "orders"),
        bytes(
            """
            kind: Route
            spec:
              host: orders
              http:
                - name: canary
                  match: [{headers: {x-canary: {exact: "true"}}, path: {prefix: /api}}]
                  route: [{destination: {subset: v2}}]
                - name: default
                  route:
                    - {destination: {subset: v1}, weight: 90}
                    - {destination: {subset: v2}, weight: 10}
                  timeout: 2s
                  retries: {attempts: 3, perTryTimeout: 500ms, retryOn: "5xx,connect-failure,reset"}
            """));
    for (int i = 0; i < 4; i++) {
      String version = i < 2 ? "v1" : "v2";
      values.put(
          LAYOUT.endpointKey("default", "orders", "orders-" + i),
          bytes(new Endpoint("127.0.0." + (i + 1), 8080, "http", Map.of("version", version)).toJson()));
    }
    router = new Router(Duration.ZERO);
    new PolicyStore(LAYOUT, new SnapshotBuilder(LAYOUT, "default"), router::publish)
        .apply(new ConfigChange.Resync(values, 1, ConfigChange.Origin.ETCD));
    if (router.routeHttp("orders", "GET", "/orders/42", headers).policy() == null) {
      throw new IllegalStateException("the full policy is not in force");
    }
  }

  /** The routing decision alone. */
  @Benchmark
  public OutboundRoute route() {
    return router.routeHttp("orders", "GET", "/orders/42", headers);
  }

  /** Routing plus the shared call path, blocking (JDK send, OkHttp, Apache classic). */
  @Benchmark
  public Integer routeAndCall() throws IOException {
    OutboundRoute route = router.routeHttp("orders", "GET", "/orders/42", headers);
    return ClientCalls.execute(new MeshCall(route, "GET", 0, true, null), library);
  }

  /** Routing plus the shared call path, asynchronous (JDK sendAsync). */
  @Benchmark
  public CompletableFuture<Integer> routeAndCallAsync() {
    OutboundRoute route = router.routeHttp("orders", "GET", "/orders/42", headers);
    return ClientCalls.executeAsync(new MeshCall(route, "GET", 0, true, null), library);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
