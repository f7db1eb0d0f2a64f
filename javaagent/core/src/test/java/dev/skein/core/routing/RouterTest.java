package dev.skein.core.routing;

import static dev.skein.core.state.StoreFixture.DP_KEY;
import static dev.skein.core.state.StoreFixture.ROUTE_KEY;
import static org.assertj.core.api.Assertions.assertThat;

import dev.skein.bootstrap.HeaderLookup;
import dev.skein.bootstrap.OutboundRoute;
import dev.skein.core.state.StoreFixture;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RouterTest {
  private final StoreFixture f = new StoreFixture();

  @BeforeEach
  void twoVersions() {
    f.endpoint("orders", "a", 8081, "v1");
    f.endpoint("orders", "b", 8082, "v2");
  }

  private Map<Integer, Integer> count(int n, String host, HeaderLookup headers) {
    Map<Integer, Integer> ports = new HashMap<>();
    for (int i = 0; i < n; i++) {
      OutboundRoute r = f.router.routeHttp(host, "GET", "/api", headers);
      ports.merge(r == null ? -1 : r.port(), 1, Integer::sum);
    }
    return ports;
  }

  @Test
  void withoutRouteRoundRobinOverAllEndpoints() {
    assertThat(count(100, "orders", HeaderLookup.NONE)).containsEntry(8081, 50).containsEntry(8082, 50);
  }

  @Test
  void namespaceQualifiedHostIsTheSameService() {
    OutboundRoute r = f.router.routeHttp("orders.default", "GET", "/", HeaderLookup.NONE);
    assertThat(r.service()).isEqualTo("default/orders");
  }

  @Test
  void unknownHostsPassThrough() {
    assertThat(f.router.routeHttp("example.com", "GET", "/", HeaderLookup.NONE)).isNull();
    assertThat(f.router.routeHttp("payments", "GET", "/", HeaderLookup.NONE)).isNull();
  }

  @Test
  void weightedSplitFollowsTheWeights() {
    f.put(DP_KEY, StoreFixture.SUBSETS);
    f.put(ROUTE_KEY, StoreFixture.split(90, 10));
    Map<Integer, Integer> ports = count(20_000, "orders", HeaderLookup.NONE);
    assertThat(ports.get(8082) / 20_000.0).isBetween(0.08, 0.12);
    OutboundRoute r = f.router.routeHttp("orders", "GET", "/", HeaderLookup.NONE);
    assertThat(r.route()).isEqualTo("split");
    assertThat(r.subset()).isIn("v1", "v2");
  }

  @Test
  void headerMatchSelectsTheRule() {
    f.put(DP_KEY, StoreFixture.SUBSETS);
    f.put(
        ROUTE_KEY,
        """
        kind: Route
        spec:
          host: orders
          http:
            - name: canary
              match: [{headers: {x-canary: {exact: "true"}}, path: {prefix: /api}, method: GET}]
              route: [{destination: {subset: v2}}]
            - name: default
              route: [{destination: {subset: v1}}]
        """);
    HeaderLookup canary = name -> name.equals("x-canary") ? "true" : null;
    assertThat(count(20, "orders", canary)).containsOnlyKeys(8082);
    assertThat(count(20, "orders", HeaderLookup.NONE)).containsOnlyKeys(8081);
    assertThat(f.router.routeHttp("orders", "POST", "/api", canary).subset()).isEqualTo("v1");
  }

  @Test
  void subsetWithoutEndpointsFailsOverToTheRestOfTheService() {
    f.put(DP_KEY, StoreFixture.SUBSETS);
    f.put(ROUTE_KEY, StoreFixture.split(0, 100));
    f.delete("/skein/endpoints/default/orders/b");
    assertThat(count(10, "orders", HeaderLookup.NONE)).containsOnlyKeys(8081);
  }

  @Test
  void beforeTheFirstSnapshotOnlyPossibleMeshHostsWait() {
    Router fresh = new Router(java.time.Duration.ofMillis(300));
    long start = System.nanoTime();
    assertThat(fresh.routeHttp("127.0.0.1", "GET", "/", HeaderLookup.NONE)).isNull();
    assertThat(fresh.routeHttp("api.example.com", "GET", "/", HeaderLookup.NONE)).isNull();
    assertThat((System.nanoTime() - start) / 1_000_000).as("no wait for non-mesh hosts").isLessThan(250);
    start = System.nanoTime();
    assertThat(fresh.routeHttp("orders", "GET", "/", HeaderLookup.NONE)).isNull();
    assertThat((System.nanoTime() - start) / 1_000_000).as("bounded wait for a mesh name").isBetween(250L, 5_000L);
  }
}
