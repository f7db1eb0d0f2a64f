package dev.skein.core.routing;

import static dev.skein.core.state.StoreFixture.DP_KEY;
import static dev.skein.core.state.StoreFixture.LAYOUT;
import static dev.skein.core.state.StoreFixture.ROUTE_KEY;
import static org.assertj.core.api.Assertions.assertThat;

import dev.skein.api.Endpoint;
import dev.skein.bootstrap.HeaderLookup;
import dev.skein.bootstrap.OutboundRoute;
import dev.skein.core.state.StoreFixture;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The gRPC view of the snapshot: grpc endpoints only, the same Route and subsets as HTTP. */
class GrpcRouterTest {
  private final StoreFixture f = new StoreFixture();

  @BeforeEach
  void grpcAndHttpEndpoints() {
    grpc("g1", 9001, "v1");
    grpc("g2", 9002, "v2");
    f.endpoint("orders", "h1", 8081, "v1");
  }

  private void grpc(String id, int port, String version) {
    f.put(LAYOUT.endpointKey("default", "orders", id), new Endpoint("127.0.0.1", port, "grpc", Map.of("version", version)).toJson());
  }

  @Test
  void callsGoOnlyToGrpcEndpointsRoundRobin() {
    int[] perPort = new int[2];
    for (int i = 0; i < 100; i++) {
      OutboundRoute r = f.router.routeGrpc("orders", "/orders.Orders/Get", HeaderLookup.NONE);
      perPort[r.port() - 9001]++;
    }
    assertThat(perPort).containsExactly(50, 50);
    assertThat(f.router.routeHttp("orders", "GET", "/", HeaderLookup.NONE).port()).isEqualTo(8081);
  }

  @Test
  void routeRulesMatchTheFullMethodPathAndHeaders() {
    f.put(DP_KEY, StoreFixture.SUBSETS);
    f.put(
        ROUTE_KEY,
        """
        kind: Route
        spec:
          host: orders
          http:
            - name: list
              match: [{path: {prefix: /orders.Orders/List}}]
              route: [{destination: {subset: v2}}]
            - name: canary
              match: [{headers: {x-canary: {exact: "true"}}, method: POST}]
              route: [{destination: {subset: v2}}]
            - name: default
              route: [{destination: {subset: v1}}]
        """);
    assertThat(f.router.routeGrpc("orders", "/orders.Orders/List", HeaderLookup.NONE).port()).isEqualTo(9002);
    assertThat(f.router.routeGrpc("orders", "/orders.Orders/Get", name -> name.equals("x-canary") ? "true" : null).port())
        .isEqualTo(9002);
    assertThat(f.router.routeGrpc("orders", "/orders.Orders/Get", HeaderLookup.NONE).port()).isEqualTo(9001);
  }

  @Test
  void unknownHostsAreNotGrpcServices() {
    assertThat(f.router.isGrpcService("orders")).isTrue();
    assertThat(f.router.isGrpcService("orders.default")).isTrue();
    assertThat(f.router.isGrpcService("payments")).isFalse();
    assertThat(f.router.routeGrpc("payments", "/x.Y/Z", HeaderLookup.NONE)).isNull();
  }

  @Test
  void watchersHearOnlyChangedEndpointLists() {
    GrpcEndpointWatchers watchers = new GrpcEndpointWatchers(f.router);
    List<List<InetSocketAddress>> updates = new ArrayList<>();
    watchers.watch("orders", updates::add);
    assertThat(updates).hasSize(1);
    assertThat(updates.get(0)).extracting(InetSocketAddress::getPort).containsExactlyInAnyOrder(9001, 9002);
    f.put(DP_KEY, StoreFixture.SUBSETS); // a policy change that leaves the endpoints alone
    assertThat(updates).hasSize(1);
    grpc("g3", 9003, "v2");
    assertThat(updates).hasSize(2);
    assertThat(updates.get(1)).extracting(InetSocketAddress::getPort).containsExactlyInAnyOrder(9001, 9002, 9003);
  }
}
