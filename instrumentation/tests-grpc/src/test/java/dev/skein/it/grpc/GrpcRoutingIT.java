package dev.skein.it.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skein.it.grpc.GrpcMesh.Flavour;
import dev.skein.it.grpc.GrpcMesh.Outcome;
import dev.skein.it.support.EtcdServer;
import dev.skein.it.support.MeshJvm;
import dev.skein.it.support.Policies;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * gRPC in the mesh, through real etcd: {@code orders} v1 ({@code ServerBuilder.forPort} on
 * grpc-netty-shaded) and v2 ({@code NettyServerBuilder} on grpc-netty), and two client JVMs, one
 * per Netty flavour, each calling the target {@code orders} over one channel. Every JVM runs
 * under the agent.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GrpcRoutingIT {
  /** Path match first (List goes to v2), then the canary header, then v1. */
  static final String GRPC_ROUTE =
      """
      apiVersion: skein.dev/v1
      kind: Route
      metadata: {name: orders, namespace: default}
      spec:
        host: orders
        http:
          - name: list
            match:
              - path: {exact: /orders.Orders/List}
            route:
              - destination: {subset: v2}
          - name: canary
            match:
              - headers: {x-canary: {exact: "true"}}
                method: POST
            route:
              - destination: {subset: v2}
          - name: default
            route:
              - destination: {subset: v1}
      """;

  private static EtcdServer etcd;
  private static MeshJvm v1;
  private static MeshJvm v2;
  private static MeshJvm shadedClient;
  private static MeshJvm nettyClient;
  private static int v1Port;

  @BeforeAll
  static void startMesh() throws Exception {
    etcd = EtcdServer.started();
    v1 = GrpcMesh.server(etcd, "v1", Flavour.SHADED, "forPort");
    v2 = GrpcMesh.server(etcd, "v2", Flavour.NETTY, "netty");
    shadedClient = GrpcMesh.client(etcd, "grpc-client-shaded", Flavour.SHADED);
    nettyClient = GrpcMesh.client(etcd, "grpc-client-netty", Flavour.NETTY);
    awaitRegistrations();
    GrpcMesh.channel(shadedClient, "forTarget orders");
    GrpcMesh.awaitBothVersions(shadedClient);
    GrpcMesh.channel(nettyClient, "forTarget orders");
    GrpcMesh.awaitBothVersions(nettyClient);
  }

  private static void awaitRegistrations() throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (System.nanoTime() < deadline && etcd.getPrefix("/skein/endpoints/default/orders/").split("\"grpc\"", -1).length < 3) {
      Thread.sleep(100);
    }
  }

  @AfterAll
  static void stopMesh() throws Exception {
    for (MeshJvm jvm : new MeshJvm[] {shadedClient, nettyClient, v1, v2}) {
      if (jvm != null) {
        jvm.close();
      }
    }
    if (etcd != null) {
      etcd.close();
    }
  }

  @Test
  @Order(1)
  void serversRegisterWithProtocolGrpc() {
    String endpoints = etcd.getPrefix("/skein/endpoints/default/orders/");
    assertThat(endpoints.lines().filter(l -> l.contains("\"protocol\":\"grpc\"")))
        .as(endpoints)
        .hasSize(2)
        .anyMatch(l -> l.contains("\"version\":\"v1\""))
        .anyMatch(l -> l.contains("\"version\":\"v2\""))
        .allMatch(l -> l.contains("\"address\":\"127.0.0.1\""));
    v1Port = endpoints.lines().filter(l -> l.contains("\"v1\"")).findFirst().map(l -> l.replaceAll(".*\"port\":(\\d+).*", "$1")).map(Integer::parseInt).orElseThrow();
  }

  @Test
  @Order(2)
  void unaryCallsSpreadRoundRobinPerCallOverOneChannel() throws Exception {
    for (MeshJvm client : new MeshJvm[] {shadedClient, nettyClient}) {
      Outcome o = GrpcMesh.calls(client, "unary", 100);
      assertThat(o.failed()).as(o.line()).isZero();
      // Strict round robin over two endpoints: exactly half each, on one channel.
      assertThat(o.count("v1")).as(o.line()).isEqualTo(50);
      assertThat(o.count("v2")).as(o.line()).isEqualTo(50);
    }
  }

  @Test
  @Order(3)
  void weightedSplitNinetyTen() throws Exception {
    etcd.put(Policies.DESTINATION_KEY, Policies.ORDERS_SUBSETS);
    etcd.put(Policies.ROUTE_KEY, Policies.split(90, 10));
    Thread.sleep(1000);
    Outcome o = GrpcMesh.calls(shadedClient, "unary", 1000);
    assertThat(o.failed()).as(o.line()).isZero();
    // The split is random per request: 1000 draws of p=0.1 have sigma 9.5, so the band is
    // 4.5 sigma wide (a false failure once in ~150,000 runs); a 3-sigma band failed in CI.
    assertThat(o.count("v2") / 1000.0).as(o.line()).isBetween(0.055, 0.145);
  }

  @Test
  @Order(4)
  void headerAndMethodPathRulesRouteUnaryCalls() throws Exception {
    etcd.put(Policies.ROUTE_KEY, GRPC_ROUTE);
    Thread.sleep(1000);
    for (MeshJvm client : new MeshJvm[] {shadedClient, nettyClient}) {
      Outcome canary = GrpcMesh.calls(client, "unary", 50, "x-canary:true");
      Outcome plain = GrpcMesh.calls(client, "unary", 50);
      assertThat(canary.count("v2")).as(canary.line()).isEqualTo(50);
      assertThat(plain.count("v1")).as(plain.line()).isEqualTo(50);
    }
  }

  @Test
  @Order(5)
  void streamingCallsOfEveryKindAreRouted() throws Exception {
    for (MeshJvm client : new MeshJvm[] {shadedClient, nettyClient}) {
      // Server streaming: the path rule sends List to v2 without any header.
      Outcome list = GrpcMesh.calls(client, "server", 20);
      assertThat(list.count("v2")).as(list.line()).isEqualTo(20);
      Outcome collect = GrpcMesh.calls(client, "client", 20);
      Outcome collectCanary = GrpcMesh.calls(client, "client", 20, "x-canary:true");
      assertThat(collect.count("v1")).as(collect.line()).isEqualTo(20);
      assertThat(collectCanary.count("v2")).as(collectCanary.line()).isEqualTo(20);
      Outcome chat = GrpcMesh.calls(client, "bidi", 20);
      Outcome chatCanary = GrpcMesh.calls(client, "bidi", 20, "x-canary:true");
      assertThat(chat.count("v1")).as(chat.line()).isEqualTo(20);
      assertThat(chatCanary.count("v2")).as(chatCanary.line()).isEqualTo(20);
    }
  }

  @Test
  @Order(6)
  void everyWayOfNamingTheTargetResolvesThroughTheMesh() throws Exception {
    String[] channels = {"forAddress orders 50051", "newChannelBuilder orders", "newChannelBuilder dns:///orders:50051", "forTarget dns:///orders"};
    for (String spec : channels) {
      for (MeshJvm client : new MeshJvm[] {shadedClient, nettyClient}) {
        GrpcMesh.channel(client, spec);
        Outcome canary = GrpcMesh.calls(client, "unary", 10, "x-canary:true");
        Outcome plain = GrpcMesh.calls(client, "unary", 10);
        assertThat(canary.count("v2")).as(spec + ": " + canary.line()).isEqualTo(10);
        assertThat(plain.count("v1")).as(spec + ": " + plain.line()).isEqualTo(10);
      }
    }
  }

  @Test
  @Order(7)
  void targetsOutsideTheMeshAreLeftAlone() throws Exception {
    // 127.0.0.1:port is no mesh service: the channel goes where it says, the Route is not applied.
    GrpcMesh.channel(nettyClient, "forTarget 127.0.0.1:" + v1Port);
    Outcome o = GrpcMesh.calls(nettyClient, "unary", 20, "x-canary:true");
    assertThat(o.count("v1")).as(o.line()).isEqualTo(20);
  }

  @Test
  @Order(8)
  void aStoppedServerDeregistersAndTheChannelFollows() throws Exception {
    GrpcMesh.channel(shadedClient, "forTarget orders");
    etcd.delete(Policies.ROUTE_KEY);
    v2.send("stop");
    v2.awaitLineStartingWith("stopped", Duration.ofSeconds(20));
    assertThat(v2.isAlive()).isTrue();
    String endpoints = etcd.getPrefix("/skein/endpoints/default/orders/");
    assertThat(endpoints).as(endpoints).doesNotContain("\"v2\"").contains("\"v1\"");
    Thread.sleep(1000);
    // The resolver dropped v2: every call of the same channel goes to v1, none fails.
    Outcome o = GrpcMesh.calls(shadedClient, "unary", 50);
    assertThat(o.count("v1")).as(o.line()).isEqualTo(50);
  }
}
