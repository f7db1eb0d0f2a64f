package dev.skein.core.bench;

import dev.skein.api.Endpoint;
import dev.skein.api.KeyLayout;
import dev.skein.bootstrap.HeaderLookup;
import dev.skein.bootstrap.OutboundRoute;
import dev.skein.core.routing.Router;
import dev.skein.core.state.ConfigChange;
import dev.skein.core.state.MeshSnapshot;
import dev.skein.core.state.PolicyStore;
import dev.skein.core.state.SnapshotBuilder;
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
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The policy snapshot at scale: building it from {@code hosts} Routes of 10 rules each (10,000
 * routes over 1,000 hosts at the largest size), and the per-request lookup against it, which
 * must not grow with the number of hosts.
 *
 * <p>Run: {@code bin/bench-snapshot} (JMH, with {@code -prof gc} for allocations per request).
 */
@State(Scope.Benchmark)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class SnapshotBench {
  private static final KeyLayout LAYOUT = new KeyLayout("/skein");

  @Param({"10", "1000"})
  public int hosts;

  private Map<String, byte[]> values;
  private Router router;
  private HeaderLookup canary;
  private String[] hostNames;
  private int next;

  @Setup(Level.Trial)
  public void setUp() {
    values = new HashMap<>();
    for (int h = 0; h < hosts; h++) {
      String host = "svc-" + h;
      values.put(LAYOUT.policyKey(dev.skein.api.PolicyKind.DestinationPolicy, "default", host), bytes("""
          kind: DestinationPolicy
          spec:
            host: %s
            subsets:
              - {name: v1, labels: {version: v1}}
              - {name: v2, labels: {version: v2}}
          """.formatted(host)));
      StringBuilder route = new StringBuilder("kind: Route\nspec:\n  host: " + host + "\n  http:\n");
      for (int r = 0; r < 9; r++) {
        route.append("    - name: r").append(r).append("\n      match: [{headers: {x-user: {exact: \"u").append(r)
            .append("\"}}, path: {prefix: /api/").append(r).append("}}]\n      route: [{destination: {subset: v2}}]\n");
      }
      route.append("    - name: default\n      route:\n        - {destination: {subset: v1}, weight: 90}\n        - {destination: {subset: v2}, weight: 10}\n");
      values.put(LAYOUT.policyKey(dev.skein.api.PolicyKind.Route, "default", host), bytes(route.toString()));
      for (String version : new String[] {"v1", "v2"}) {
        values.put(
            LAYOUT.endpointKey("default", host, host + "-" + version),
            bytes(new Endpoint("127.0.0." + (1 + h % 200), 8000 + h % 1000, "http", Map.of("version", version)).toJson()));
      }
    }
    router = new Router(Duration.ZERO);
    new PolicyStore(LAYOUT, new SnapshotBuilder(LAYOUT, "default"), router::publish)
        .apply(new ConfigChange.Resync(values, 1, ConfigChange.Origin.ETCD));
    canary = name -> null;
    hostNames = new String[hosts];
    for (int h = 0; h < hosts; h++) {
      hostNames[h] = "svc-" + h;
    }
  }

  /** Parse, validate and compile every policy, then build the snapshot: what one etcd resync costs. */
  @Benchmark
  @BenchmarkMode(Mode.SingleShotTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  @Warmup(iterations = 3)
  @Measurement(iterations = 5)
  public MeshSnapshot buildSnapshot() {
    Router sink = new Router(Duration.ZERO);
    return new PolicyStore(LAYOUT, new SnapshotBuilder(LAYOUT, "default"), sink::publish)
        .apply(new ConfigChange.Resync(values, 1, ConfigChange.Origin.ETCD));
  }

  /** One request's routing decision: host lookup, 9 non-matching rules, a weighted split, round robin. */
  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.NANOSECONDS)
  public OutboundRoute routeOneRequest() {
    String host = hostNames[next++ % hostNames.length];
    return router.routeHttp(host, "GET", "/orders/42", canary);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
