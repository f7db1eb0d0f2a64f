package dev.skein.it.http.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skein.it.support.EtcdServer;
import dev.skein.it.support.MeshJvm;
import dev.skein.it.support.Policies;
import dev.skein.it.support.TwoVersionMesh;
import dev.skein.it.support.TwoVersionMesh.Outcome;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Mesh routing for the HTTP client libraries: one real etcd, {@code orders} v1 and v2 (JDK HTTP
 * servers under the agent) and one client JVM under the agent per library, HttpURLConnection,
 * OkHttp 4.12, OkHttp 5.x, Apache HttpClient 5, Reactor Netty and Spring WebClient (on Reactor
 * Netty, its headers set in the send callback), each calling
 * {@code http://orders/...} by name. Policies are put with etcdctl, one phase at a time, and every
 * client is checked in each phase.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HttpClientsRoutingIT {
  /** Client JVM name → whether the library has an asynchronous API. */
  private static final Map<String, Boolean> ASYNC =
      Map.of("urlconnection", false, "okhttp4", true, "okhttp5", true, "apache", true, "reactor", true, "webclient", true);

  private static EtcdServer etcd;
  private static TwoVersionMesh mesh;
  private static final Map<String, MeshJvm> clients = new LinkedHashMap<>();

  @BeforeAll
  static void startMesh() throws Exception {
    etcd = EtcdServer.started();
    mesh = new TwoVersionMesh(etcd);
    mesh.startServer("v1");
    mesh.startServer("v2");
    String endpoint = etcd.endpoint();
    clients.put("urlconnection", ClientJvms.start("urlconnection", "urlconnection", ClientJvms.defaultClassPath(), endpoint));
    clients.put("okhttp4", ClientJvms.start("okhttp4", "okhttp", ClientJvms.defaultClassPath(), endpoint));
    clients.put("okhttp5", ClientJvms.start("okhttp5", "okhttp", ClientJvms.okHttp5ClassPath(), endpoint));
    clients.put("apache", ClientJvms.start("apache", "apache", ClientJvms.defaultClassPath(), endpoint));
    clients.put("reactor", ClientJvms.start("reactor", "reactor", ClientJvms.defaultClassPath(), endpoint));
    clients.put("webclient", ClientJvms.start("webclient", "webclient", ClientJvms.defaultClassPath(), endpoint));
    Map<String, String> versions = new LinkedHashMap<>();
    for (Map.Entry<String, MeshJvm> c : clients.entrySet()) {
      versions.put(c.getKey(), c.getValue().awaitLineStartingWith("ready", Duration.ofSeconds(60)));
    }
    assertThat(versions.get("okhttp4")).isEqualTo("ready okhttp 4.12.0");
    assertThat(versions.get("okhttp5")).startsWith("ready okhttp 5.");
    assertThat(versions.get("webclient")).startsWith("ready spring-webclient 7.");
    for (String name : clients.keySet()) {
      use(name);
      mesh.awaitBothVersions();
    }
  }

  @AfterAll
  static void stopMesh() throws Exception {
    for (MeshJvm c : clients.values()) {
      c.close();
    }
    if (mesh != null) {
      mesh.client = null;
      mesh.close();
    }
    if (etcd != null) {
      etcd.close();
    }
  }

  private static void use(String name) {
    mesh.client = clients.get(name);
  }

  @Test
  @Order(1)
  void withoutRouteEachClientSpreadsRoundRobinOverTheRegisteredEndpoints() throws Exception {
    for (String name : clients.keySet()) {
      use(name);
      Outcome sync = mesh.send(200, "http://orders/api/items");
      assertThat(sync.failed()).as(name + ": " + sync.line()).isZero();
      // Strict round robin over two endpoints: exactly half each, and nothing else answered.
      assertThat(sync.bodies()).as(name + ": " + sync.line()).isEqualTo(Map.of("v1", 100, "v2", 100));
      if (ASYNC.get(name)) {
        Outcome async = mesh.sendAsync(200, "http://orders/api/items?async=1");
        assertThat(async.bodies()).as(name + " async: " + async.line()).isEqualTo(Map.of("v1", 100, "v2", 100));
      }
    }
  }

  @Test
  @Order(2)
  void weightedSplitNinetyTenWithinThreePercent() throws Exception {
    etcd.put(Policies.DESTINATION_KEY, Policies.ORDERS_SUBSETS);
    etcd.put(Policies.ROUTE_KEY, Policies.split(90, 10));
    Thread.sleep(1000);
    for (String name : clients.keySet()) {
      use(name);
      List<Outcome> outcomes =
          ASYNC.get(name)
              ? List.of(mesh.send(1000, "http://orders/api/items"), mesh.sendAsync(1000, "http://orders/api/items"))
              : List.of(mesh.send(2000, "http://orders/api/items"));
      int v2 = 0;
      for (Outcome o : outcomes) {
        assertThat(o.failed()).as(name + ": " + o.line()).isZero();
        assertThat(o.ok()).as(name + ": " + o.line()).isEqualTo(o.count("v1") + o.count("v2"));
        v2 += o.count("v2");
      }
      assertThat(v2 / 2000.0).as(name + ": " + outcomes).isBetween(0.07, 0.13);
    }
  }

  @Test
  @Order(3)
  void headerMatchSendsOnlyCanaryRequestsToV2() throws Exception {
    etcd.put(Policies.ROUTE_KEY, Policies.CANARY_HEADER);
    Thread.sleep(1000);
    for (String name : clients.keySet()) {
      use(name);
      Outcome canary = mesh.send(50, "http://orders/api/items", "x-canary:true");
      Outcome plain = mesh.send(50, "http://orders/api/items");
      assertThat(canary.count("v2")).as(name + ": " + canary.line()).isEqualTo(50);
      assertThat(plain.count("v1")).as(name + ": " + plain.line()).isEqualTo(50);
    }
  }

  @Test
  @Order(4)
  void hostsOutsideTheMeshPassThroughUntouched() throws Exception {
    String v1Port = etcd.getPrefix("/skein/endpoints/default/orders/").lines()
        .filter(l -> l.contains("\"v1\"")).findFirst().map(l -> l.replaceAll(".*\"port\":(\\d+).*", "$1")).orElseThrow();
    for (String name : clients.keySet()) {
      use(name);
      Outcome o = mesh.send(10, "http://127.0.0.1:" + v1Port + "/direct");
      assertThat(o.bodies()).as(name + ": " + o.line()).isEqualTo(Map.of("v1", 10));
    }
  }
}
