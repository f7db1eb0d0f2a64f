package dev.skein.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skein.it.support.EtcdServer;
import dev.skein.it.support.MeshJvm;
import dev.skein.it.support.Policies;
import dev.skein.it.support.TwoVersionMesh;
import dev.skein.it.support.TwoVersionMesh.Outcome;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Name-based routing through real etcd: two {@code orders} servers (v1, v2) and a client, each a
 * JVM under the agent; policies written with {@code etcdctl put}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RoutingIT {
  private static final int ADMIN_PORT = dev.skein.it.support.FreePorts.next();
  private static EtcdServer etcd;
  private static TwoVersionMesh mesh;

  @BeforeAll
  static void startMesh() throws Exception {
    etcd = EtcdServer.started();
    mesh = new TwoVersionMesh(etcd);
    mesh.startServer("v1");
    mesh.startServer("v2");
    mesh.startClient(MeshJvm.builder("client").property("skein.admin.port", String.valueOf(ADMIN_PORT)));
    mesh.awaitBothVersions();
  }

  @AfterAll
  static void stopMesh() throws Exception {
    if (mesh != null) {
      mesh.close();
    }
    if (etcd != null) {
      etcd.close();
    }
  }

  @Test
  @Order(1)
  void withoutRouteTrafficSpreadsRoundRobinOverAllEndpoints() throws Exception {
    Outcome o = mesh.send(200, "http://orders/api/items");
    assertThat(o.failed()).isZero();
    // Strict round robin over two endpoints: exactly half each.
    assertThat(o.count("v1")).isEqualTo(100);
    assertThat(o.count("v2")).isEqualTo(100);
  }

  @Test
  @Order(2)
  void weightedSplitNinetyTen() throws Exception {
    etcd.put(Policies.DESTINATION_KEY, Policies.ORDERS_SUBSETS);
    etcd.put(Policies.ROUTE_KEY, Policies.split(90, 10));
    Thread.sleep(1000);
    Outcome o = mesh.send(2000, "http://orders/api/items");
    assertThat(o.failed()).isZero();
    double v2Share = o.count("v2") / 2000.0;
    assertThat(v2Share).as(o.line()).isBetween(0.07, 0.13);
  }

  @Test
  @Order(3)
  void allTrafficMovesToV2WithinOneSecondOfThePut() throws Exception {
    etcd.put(Policies.ROUTE_KEY, Policies.split(0, 100));
    Thread.sleep(1000);
    Outcome o = mesh.send(300, "http://orders/api/items");
    assertThat(o.failed()).isZero();
    assertThat(o.count("v2")).as(o.line()).isEqualTo(300);
  }

  @Test
  @Order(4)
  void asyncRequestsAreRoutedToo() throws Exception {
    Outcome o = mesh.sendAsync(100, "http://orders/api/items");
    assertThat(o.failed()).isZero();
    assertThat(o.count("v2")).as(o.line()).isEqualTo(100);
  }

  @Test
  @Order(5)
  void headerMatchSendsOnlyCanaryRequestsToV2() throws Exception {
    etcd.put(Policies.ROUTE_KEY, Policies.CANARY_HEADER);
    Thread.sleep(1000);
    Outcome canary = mesh.send(100, "http://orders/api/items", "x-canary:true");
    Outcome plain = mesh.send(100, "http://orders/api/items");
    assertThat(canary.count("v2")).as(canary.line()).isEqualTo(100);
    assertThat(plain.count("v1")).as(plain.line()).isEqualTo(100);
  }

  @Test
  @Order(6)
  void hostsOutsideTheMeshPassThroughUntouched() throws Exception {
    // 127.0.0.1 is not a mesh host: the request goes where the URL says, to v1's own port.
    String v1Port = etcd.getPrefix("/skein/endpoints/default/orders/").lines()
        .filter(l -> l.contains("\"v1\"")).findFirst().map(l -> l.replaceAll(".*\"port\":(\\d+).*", "$1")).orElseThrow();
    Outcome o = mesh.send(20, "http://127.0.0.1:" + v1Port + "/direct");
    assertThat(o.count("v1")).as(o.line()).isEqualTo(20);
  }

  @Test
  @Order(7)
  void adminEndpointShowsThePoliciesInForceAndTheEndpoints() throws Exception {
    String dump = admin("/config_dump");
    assertThat(dump).contains("\"origin\" : \"etcd\"").contains(Policies.ROUTE_KEY).contains("name: canary").contains(Policies.DESTINATION_KEY);
    long revision = Long.parseLong(dump.replaceAll("(?s).*\"revision\" : (\\d+).*", "$1"));
    assertThat(revision).isGreaterThan(4);
    String clusters = admin("/clusters");
    assertThat(clusters).contains("default/orders").contains("version=v1").contains("version=v2").contains("\"route\" : \"orders\"");
    assertThat(admin("/healthz")).isEqualTo("ok\n");
  }

  private static String admin(String path) throws Exception {
    return java.net.http.HttpClient.newHttpClient()
        .send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + ADMIN_PORT + path)).build(),
            java.net.http.HttpResponse.BodyHandlers.ofString())
        .body();
  }
}
