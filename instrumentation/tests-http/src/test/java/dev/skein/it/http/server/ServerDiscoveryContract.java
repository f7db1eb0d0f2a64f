package dev.skein.it.http.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skein.it.support.EtcdServer;
import dev.skein.it.support.MeshJvm;
import dev.skein.it.support.Policies;
import dev.skein.it.support.TwoVersionMesh;
import dev.skein.it.support.TwoVersionMesh.Outcome;
import java.io.File;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Discovery through one server library, end to end: two {@code orders} instances (v1, v2) of a
 * server app with no mesh code, each a JVM under the agent, register in a real etcd; a
 * {@code java.net.http} client JVM under the agent reaches them by name; an orderly stop removes
 * the key at once and a kill -9 leaves it to the lease. Subclasses name the app and its class path.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class ServerDiscoveryContract {
  private static final String ENDPOINTS = "/skein/endpoints/default/orders/";
  private static final Duration LEASE = Duration.ofSeconds(10);

  private EtcdServer etcd;
  private TwoVersionMesh mesh;
  private final Map<String, Instance> instances = new LinkedHashMap<>();

  /** One running server JVM and the port it printed. */
  record Instance(MeshJvm jvm, int port, String libraryVersion) {
    String key() {
      return ENDPOINTS + "orders-" + jvm.pid() + "-" + port;
    }
  }

  /** The server app's main class. */
  abstract Class<?> app();

  /** The library version the app must report, as a prefix: proves which jars the JVM ran. */
  abstract String expectedLibraryVersion();

  /**
   * Whether to wait out the killed instance's lease. The lease is the agent's, the same for every
   * server library, so one library's test waits the 10 s and the others check only that the key
   * outlives the kill.
   */
  boolean waitsForLeaseExpiry() {
    return false;
  }

  /** The server JVMs' class path: the test class path by default. */
  String classPath() {
    return System.getProperty("java.class.path");
  }

  /** The test class path without the entries whose file name contains any of {@code fragments}. */
  static String testClassPathWithout(String... fragments) {
    return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
        .filter(entry -> Arrays.stream(fragments).noneMatch(f -> new File(entry).getName().contains(f)))
        .collect(Collectors.joining(File.pathSeparator));
  }

  @BeforeAll
  void startMesh() throws Exception {
    etcd = EtcdServer.started();
    mesh = new TwoVersionMesh(etcd);
    startServer("v1");
    startServer("v2");
    mesh.startClient(MeshJvm.builder("client"));
    mesh.awaitBothVersions();
  }

  private void startServer(String version) throws Exception {
    MeshJvm jvm =
        MeshJvm.builder(app().getSimpleName() + "-" + version)
            .property("skein.service", "orders")
            .property("skein.labels", "version=" + version)
            .property("skein.etcd.endpoints", etcd.endpoint())
            .env("ECHO_VERSION", version)
            .classPath(classPath())
            .start(app().getName());
    mesh.servers.add(jvm);
    String[] listening = jvm.awaitLineStartingWith("listening", Duration.ofSeconds(30)).split(" ");
    Instance instance = new Instance(jvm, Integer.parseInt(listening[1]), listening[2]);
    instances.put(version, instance);
    awaitKey(instance.key(), true, Duration.ofSeconds(20));
  }

  @AfterAll
  void stopMesh() throws Exception {
    if (mesh != null) {
      mesh.close();
    }
    if (etcd != null) {
      etcd.close();
    }
  }

  @Test
  @Order(1)
  void eachInstanceRegistersItsRealPortAndLabels() {
    Map<String, String> endpoints = endpoints();
    for (Map.Entry<String, Instance> e : instances.entrySet()) {
      Instance instance = e.getValue();
      assertThat(instance.libraryVersion()).startsWith(expectedLibraryVersion());
      assertThat(instance.port()).isPositive();
      assertThat(endpoints).as(endpoints.toString()).containsKey(instance.key());
      assertThat(endpoints.get(instance.key()))
          .contains("\"address\":\"127.0.0.1\"", "\"port\":" + instance.port() + ",", "\"protocol\":\"http\"")
          .contains("\"labels\":{\"version\":\"" + e.getKey() + "\"}");
    }
    // One registration per listening port: nothing else under the service.
    assertThat(endpoints).hasSize(2);
  }

  @Test
  @Order(2)
  void clientReachesBothInstancesRoundRobin() throws Exception {
    Outcome o = mesh.send(200, "http://orders/api/items");
    assertThat(o.failed()).as(o.line()).isZero();
    assertThat(o.count("v1")).as(o.line()).isEqualTo(100);
    assertThat(o.count("v2")).as(o.line()).isEqualTo(100);
  }

  @Test
  @Order(3)
  void ninetyTenRouteSplitsWithinThreePercent() throws Exception {
    etcd.put(Policies.DESTINATION_KEY, Policies.ORDERS_SUBSETS);
    etcd.put(Policies.ROUTE_KEY, Policies.split(90, 10));
    Thread.sleep(1000);
    Outcome o = mesh.send(1000, "http://orders/api/items");
    System.out.println(getClass().getSimpleName() + " 90/10 split over 1000 requests: " + o.line());
    assertThat(o.failed()).as(o.line()).isZero();
    // The split is random per request: 1000 draws of p=0.1 have sigma 9.5, so the band is
    // 4.5 sigma wide (a false failure once in ~150,000 runs); a 3-sigma band failed in CI.
    assertThat(o.count("v2") / 1000.0).as(o.line()).isBetween(0.055, 0.145);
    assertThat(o.count("v1") + o.count("v2")).isEqualTo(1000);
  }

  @Test
  @Order(4)
  void stoppingTheServerRemovesItsKeyAtOnce() throws Exception {
    Instance v2 = instances.get("v2");
    v2.jvm().send("stop");
    v2.jvm().awaitLineStartingWith("stopped", Duration.ofSeconds(20));
    // The JVM is still up: only the server's own stop can have removed the key.
    assertThat(v2.jvm().isAlive()).isTrue();
    awaitKey(v2.key(), false, Duration.ofSeconds(2));
    assertThat(endpoints()).containsKey(instances.get("v1").key());
    v2.jvm().send("exit");
  }

  @Test
  @Order(5)
  void killedInstanceStaysUntilItsLeaseExpires() throws Exception {
    Instance v1 = instances.get("v1");
    long killed = System.nanoTime();
    v1.jvm().kill();
    Thread.sleep(2000);
    assertThat(endpoints()).as("no shutdown hook ran: the key waits for the lease").containsKey(v1.key());
    if (!waitsForLeaseExpiry()) {
      return;
    }
    awaitKey(v1.key(), false, LEASE.plusSeconds(6));
    assertThat(Duration.ofNanos(System.nanoTime() - killed)).isGreaterThan(Duration.ofSeconds(3));
  }

  /** The endpoint keys under the service and their JSON values. */
  private Map<String, String> endpoints() {
    List<String> lines = etcd.getPrefix(ENDPOINTS).lines().filter(l -> !l.isBlank()).toList();
    Map<String, String> map = new LinkedHashMap<>();
    for (int i = 0; i + 1 < lines.size(); i += 2) {
      map.put(lines.get(i), lines.get(i + 1));
    }
    return map;
  }

  private void awaitKey(String key, boolean present, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (endpoints().containsKey(key) != present) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(key + (present ? " never appeared" : " still present") + " after " + timeout + "; endpoints: " + endpoints());
      }
      Thread.sleep(50);
    }
  }
}
