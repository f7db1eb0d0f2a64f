package dev.skein.it.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skein.it.support.EtcdServer;
import dev.skein.it.support.MeshJvm;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Fault injection for gRPC through real etcd: one {@code orders} gRPC server and a client on a
 * mesh channel ({@code forTarget("orders")}), each a JVM under the agent.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GrpcResilienceIT {
  private static final Pattern RESULT = Pattern.compile("result ok=(\\d+) codes=(\\{.*?\\}) descriptions=(\\{.*?\\}) maxMillis=(\\d+).*");
  private static EtcdServer etcd;
  private static MeshJvm server;
  private static MeshJvm client;

  @BeforeAll
  static void startMesh() throws Exception {
    etcd = EtcdServer.started();
    server =
        MeshJvm.builder("grpc-orders")
            .property("skein.service", "orders")
            .property("skein.etcd.endpoints", etcd.endpoint())
            .property("skein.advertise.address", "127.0.0.1")
            .start("dev.skein.it.apps.resilience.GrpcFlaky", "server");
    server.awaitLineStartingWith("listening", Duration.ofSeconds(30));
    // The channel is built once the registration is in etcd, so that its target is a mesh host.
    for (int i = 0; i < 100 && !etcd.getPrefix("/skein/endpoints/default/orders/").contains("grpc"); i++) {
      Thread.sleep(100);
    }
    client =
        MeshJvm.builder("grpc-client")
            .property("skein.first.snapshot.wait.ms", "20000") // a loaded machine may take longer than the default 2 s
            .property("skein.service", "frontend")
            .property("skein.etcd.endpoints", etcd.endpoint())
            .start("dev.skein.it.apps.resilience.GrpcFlaky", "client", "orders");
    client.awaitLineStartingWith("ready", Duration.ofSeconds(30));
  }

  @AfterAll
  static void stopMesh() throws Exception {
    for (AutoCloseable c : new AutoCloseable[] {client, server, etcd}) {
      if (c != null) {
        c.close();
      }
    }
  }

  static Matcher call(int count) throws Exception {
    client.send("call " + count);
    String line = client.awaitLine(l -> l.startsWith("result"), Duration.ofSeconds(120));
    Matcher m = RESULT.matcher(line);
    assertThat(m.matches()).as(line + "\n" + client.agentLog()).isTrue();
    return m;
  }

  @Test
  @Order(1)
  void abortPercentageHoldsWithinThreePointsAndNothingLeaves() throws Exception {
    assertThat(call(20).group(1)).as(client.agentLog()).isEqualTo("20");
    etcd.put(
        OkHttpResilienceIT.ROUTE_KEY,
        """
        kind: Route
        metadata: {name: orders}
        spec:
          host: orders
          http:
            - route:
                - destination: {host: orders}
              fault: {abort: {percent: 20, grpcStatus: UNAVAILABLE}}
        """);
    Thread.sleep(1000);
    server.send("count");
    server.awaitLineStartingWith("count", Duration.ofSeconds(10));
    server.awaitLine(l -> l.equals("ok"), Duration.ofSeconds(10));
    Matcher m = call(2000);
    int ok = Integer.parseInt(m.group(1));
    double share = (2000 - ok) / 2000.0;
    System.out.printf("grpc abort 20%%: measured %.2f%% (%s %s)%n", 100 * share, m.group(2), m.group(3));
    assertThat(share).isBetween(0.17, 0.23);
    assertThat(m.group(2)).isEqualTo("{UNAVAILABLE=" + (2000 - ok) + "}");
    assertThat(m.group(3)).isEqualTo("{fault=" + (2000 - ok) + "}");
    server.send("count");
    String count = server.awaitLine(l -> l.startsWith("count") , Duration.ofSeconds(10));
    server.awaitLine(l -> l.equals("ok"), Duration.ofSeconds(10));
    assertThat(count).isEqualTo("count " + ok);
  }

  static void route(String rule) throws Exception {
    etcd.put(
        OkHttpResilienceIT.ROUTE_KEY,
        """
        kind: Route
        metadata: {name: orders}
        spec:
          host: orders
          http:
            - route:
                - destination: {host: orders}
        %s"""
            .formatted(rule.indent(6)));
    Thread.sleep(1000);
  }

  static void server(String command) throws Exception {
    server.send(command);
    server.awaitLine(l -> l.equals("ok"), Duration.ofSeconds(10));
  }

  @Test
  @Order(2)
  void retriesHideAServerFailingTenPercent() throws Exception {
    route("retries: {attempts: 3, retryOn: unavailable}");
    server("fail 10");
    try {
      Matcher m = call(1000);
      System.out.printf("grpc 10%% failing server behind retries: %s/1000 ok (%s)%n", m.group(1), m.group(2));
      assertThat(Integer.parseInt(m.group(1))).as(m.group(0)).isGreaterThanOrEqualTo(995);
    } finally {
      server("fail 0");
    }
  }

  @Test
  @Order(3)
  void aTimeoutEndsTheCallWithDeadlineExceeded() throws Exception {
    route("timeout: 200ms");
    server("sleep 2000");
    try {
      Matcher m = call(5);
      System.out.printf("grpc 200ms timeout vs 2s server: slowest call %s ms (%s)%n", m.group(4), m.group(2));
      assertThat(m.group(2)).isEqualTo("{DEADLINE_EXCEEDED=5}");
      assertThat(Long.parseLong(m.group(4))).isLessThan(300);
    } finally {
      server("sleep 0");
    }
  }

  @Test
  @Order(4)
  void aFaultDelayHoldsEachCallBeforeItLeaves() throws Exception {
    route("fault: {delay: {percent: 100, fixedDelay: 300ms}}");
    long start = System.nanoTime();
    Matcher m = call(5);
    long millis = (System.nanoTime() - start) / 1_000_000;
    System.out.printf("grpc delay 300ms on every call: 5 calls in %d ms (%s)%n", millis, m.group(0));
    assertThat(m.group(1)).as(m.group(0)).isEqualTo("5");
    assertThat(millis).isGreaterThanOrEqualTo(5 * 300);
    route("fault: {delay: {percent: 0, fixedDelay: 300ms}}");
  }
}
