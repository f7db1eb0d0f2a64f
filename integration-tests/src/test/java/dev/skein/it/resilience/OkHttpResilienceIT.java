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
 * Fault injection, retries, the retry budget and timeouts for OkHttp, through real etcd: one
 * {@code orders} server that can be told to fail or to sleep, and an OkHttp client, each a JVM
 * under the agent; Routes written with {@code etcdctl put}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OkHttpResilienceIT {
  static final String ROUTE_KEY = "/skein/policies/default/Route/orders";
  private static final Pattern RESULT = Pattern.compile("result ok=(\\d+) failed=(\\d+) statuses=(\\{.*?\\}) faults=(\\d+) errors=(\\{.*?\\}) maxMillis=(\\d+).*");
  private static EtcdServer etcd;
  private static MeshJvm server;
  private static MeshJvm client;

  @BeforeAll
  static void startMesh() throws Exception {
    etcd = EtcdServer.started();
    server =
        MeshJvm.builder("flaky-orders")
            .property("skein.service", "orders")
            .property("skein.labels", "version=v1")
            .property("skein.etcd.endpoints", etcd.endpoint())
            .env("ECHO_VERSION", "v1")
            .start("dev.skein.it.apps.resilience.FlakyServer");
    server.awaitLineStartingWith("listening", Duration.ofSeconds(30));
    client =
        MeshJvm.builder("okhttp-client")
            .property("skein.service", "frontend")
            .property("skein.etcd.endpoints", etcd.endpoint())
            .start("dev.skein.it.apps.resilience.OkHttpDriver");
    client.awaitLineStartingWith("ready", Duration.ofSeconds(30));
    // Until the registration is seen, calls to orders fail: wait for one to succeed.
    for (int i = 0; i < 50 && send(1).ok() == 0; i++) {
      Thread.sleep(200);
    }
  }

  @AfterAll
  static void stopMesh() throws Exception {
    for (AutoCloseable c : new AutoCloseable[] {client, server, etcd}) {
      if (c != null) {
        c.close();
      }
    }
  }

  record Outcome(String line, int ok, int failed, String statuses, int faults, String errors, long maxMillis) {}

  static Outcome send(int count) throws Exception {
    client.send("send " + count + " http://orders/api/items");
    String line = client.awaitLine(l -> l.startsWith("result") || l.startsWith("error"), Duration.ofSeconds(120));
    Matcher m = RESULT.matcher(line);
    if (!m.matches()) {
      throw new AssertionError(line + "\n" + client.agentLog());
    }
    return new Outcome(
        line, Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), m.group(3), Integer.parseInt(m.group(4)), m.group(5),
        Long.parseLong(m.group(6)));
  }

  static void route(String rule) throws Exception {
    etcd.put(
        ROUTE_KEY,
        """
        kind: Route
        metadata: {name: orders}
        spec:
          host: orders
          http:
            - name: default
              route:
                - destination: {host: orders}
        %s"""
            .formatted(rule.indent(6)));
    Thread.sleep(1000);
  }

  static void server(String command) throws Exception {
    server.send(command);
    server.awaitLine(l -> l.equals("ok"), Duration.ofSeconds(10));
  }

  static long serverCount() throws Exception {
    server.send("count");
    String line = server.awaitLineStartingWith("count", Duration.ofSeconds(10));
    server.awaitLine(l -> l.equals("ok"), Duration.ofSeconds(10));
    return Long.parseLong(line.substring(6).trim());
  }

  @Test
  @Order(1)
  void abortPercentageHoldsWithinThreePoints() throws Exception {
    route("fault: {abort: {percent: 20, httpStatus: 503}}");
    server("fail 0");
    serverCount();
    Outcome o = send(2000);
    double share = o.faults() / 2000.0;
    System.out.printf("okhttp abort 20%%: measured %.2f%% (%s)%n", 100 * share, o.line());
    assertThat(share).as(o.line()).isBetween(0.17, 0.23);
    assertThat(o.failed()).as("every failure is an injected 503").isEqualTo(o.faults());
    assertThat(o.statuses()).contains("503=" + o.faults());
    // Aborted requests never left the client.
    assertThat(serverCount()).isEqualTo(2000 - o.faults());
  }

  @Test
  @Order(2)
  void retriesHideAServerFailingTenPercent() throws Exception {
    route("retries: {attempts: 3, perTryTimeout: 1s, retryOn: 5xx}");
    server("fail 10");
    Outcome o = send(1000);
    System.out.printf("okhttp 10%% failing server behind retries: %d/1000 ok%n", o.ok());
    assertThat(o.ok()).as(o.line()).isGreaterThanOrEqualTo(995);
  }

  @Test
  @Order(3)
  void theRetryBudgetCapsRetriesAgainstAServerFailingEverything() throws Exception {
    route("retries: {attempts: 3, perTryTimeout: 1s, retryOn: 5xx}");
    server("fail 100");
    serverCount();
    Outcome o = send(500);
    long received = serverCount();
    System.out.printf("okhttp budget: 500 calls reached the always-failing server %d times%n", received);
    assertThat(o.ok()).isZero();
    // 20% of requests plus a reserve of 10; without the budget it would be 4 x 500.
    assertThat(received).isGreaterThan(500).isLessThanOrEqualTo(500 + 100 + 10);
  }

  @Test
  @Order(4)
  void aTimeoutCutsASlowServerShort() throws Exception {
    route("timeout: 200ms");
    server("fail 0");
    server("sleep 2000");
    try {
      Outcome o = send(5);
      System.out.printf("okhttp 200ms timeout vs 2s server: slowest call %d ms (%s)%n", o.maxMillis(), o.line());
      assertThat(o.errors()).as(o.line()).isEqualTo("{SocketTimeoutException=5}");
      assertThat(o.maxMillis()).isLessThan(300);
    } finally {
      server("sleep 0");
    }
  }
}
