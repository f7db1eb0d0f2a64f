package dev.skein.core.state;

import dev.skein.api.Endpoint;
import dev.skein.api.KeyLayout;
import dev.skein.core.routing.Router;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** A policy store wired to a router, fed with etcd-shaped changes, as the engine wires them. */
public final class StoreFixture {
  public static final KeyLayout LAYOUT = new KeyLayout("/skein");
  public final Router router = new Router(Duration.ofMillis(200));
  public final PolicyStore store = new PolicyStore(LAYOUT, new SnapshotBuilder(LAYOUT, "default"), router::publish);
  private long revision;

  public MeshSnapshot put(String key, String value) {
    return store.apply(new ConfigChange.Delta(List.of(new ConfigChange.KeyChange(key, value.getBytes(StandardCharsets.UTF_8))), ++revision));
  }

  public MeshSnapshot delete(String key) {
    return store.apply(new ConfigChange.Delta(List.of(new ConfigChange.KeyChange(key, null)), ++revision));
  }

  public MeshSnapshot endpoint(String service, String id, int port, String version) {
    return put(
        LAYOUT.endpointKey("default", service, id),
        new Endpoint("127.0.0.1", port, "http", Map.of("version", version)).toJson());
  }

  public static final String SUBSETS =
      """
      kind: DestinationPolicy
      spec:
        host: orders
        subsets:
          - {name: v1, labels: {version: v1}}
          - {name: v2, labels: {version: v2}}
      """;

  public static String split(int v1, int v2) {
    return """
        kind: Route
        spec:
          host: orders
          http:
            - name: split
              route:
                - {destination: {subset: v1}, weight: %d}
                - {destination: {subset: v2}, weight: %d}
        """
        .formatted(v1, v2);
  }

  public static final String ROUTE_KEY = "/skein/policies/default/Route/orders";
  public static final String DP_KEY = "/skein/policies/default/DestinationPolicy/orders";
}
