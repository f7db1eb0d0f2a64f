package dev.skein.it.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skein.it.support.EtcdServer;
import dev.skein.it.support.MeshJvm;
import dev.skein.it.support.Policies;
import dev.skein.it.support.TwoVersionMesh;
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
 * DestinationPolicy {@code connectionPool.maxRequestsPerEndpoint} and {@code maxPendingRequests}
 * through real etcd, with one {@code orders} server that counts the requests in progress and the
 * connections they came on, and a JDK HttpClient under the agent sending bursts at once (and
 * {@code HttpURLConnection} callers on Java 17 and on Java 25). One JVM each for every case.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConnectionPoolIT {
  private static final Pattern RESULT =
      Pattern.compile("result ok=(\\d+) refused=(\\{.*?\\}) failed=(\\d+) refusedMaxMillis=(\\d+) last=.*");
  private static final Pattern STATS =
      Pattern.compile("stats requests=(\\d+) maxConcurrent=(\\d+) connections=(\\d+) newConnections=(\\d+)");

  private static EtcdServer etcd;
  private static MeshJvm server;
  private static MeshJvm client;
  // HttpURLConnection on Java 25 (the JDK classes the agent instruments differ from 17's), when installed
  private static MeshJvm client25;
  private static MeshJvm grpcServer;
  private static MeshJvm grpcClient;
  private static final Pattern PACED = Pattern.compile("paced sent=(\\d+) ok=(\\d+) codes=(\\{.*?\\}) seconds=.*");

  record Burst(Matcher m) {
    int ok() {
      return Integer.parseInt(m.group(1));
    }

    String refused() {
      return m.group(2);
    }

    int failed() {
      return Integer.parseInt(m.group(3));
    }

    long refusedMaxMillis() {
      return Long.parseLong(m.group(4));
    }
  }

  record Stats(Matcher m) {
    int requests() {
      return Integer.parseInt(m.group(1));
    }

    int maxConcurrent() {
      return Integer.parseInt(m.group(2));
    }

    int connections() {
      return Integer.parseInt(m.group(3));
    }

    int newConnections() {
      return Integer.parseInt(m.group(4));
    }
  }

  @BeforeAll
  static void startMesh() throws Exception {
    etcd = EtcdServer.started();
    server = TwoVersionMesh.ordersInstance(etcd, "v1").start("dev.skein.it.apps.resilience.ConcurrencyProbe", "server");
    String port = server.awaitLineStartingWith("listening", Duration.ofSeconds(30)).substring("listening ".length());
    new TwoVersionMesh(etcd).awaitRegistration(port);
    client =
        MeshJvm.builder("pool-client")
            .property("skein.first.snapshot.wait.ms", "20000")
            .property("skein.service", "frontend")
            .property("skein.etcd.endpoints", etcd.endpoint())
            .start("dev.skein.it.apps.resilience.ConcurrencyProbe", "client");
    client.awaitLineStartingWith("ready", Duration.ofSeconds(30));
    String java25 = System.getProperty("skein.it.java25", "");
    if (System.getenv("CI") != null || java.nio.file.Files.isExecutable(java.nio.file.Path.of(java25))) {
      client25 =
          MeshJvm.builder("pool-client25")
              .java(java25)
              .property("skein.first.snapshot.wait.ms", "20000")
              .property("skein.service", "frontend")
              .property("skein.etcd.endpoints", etcd.endpoint())
              .start("dev.skein.it.apps.resilience.ConcurrencyProbe", "client");
      client25.awaitLineStartingWith("ready", Duration.ofSeconds(30));
    }
    tell("sleep 0");
    // One connection open, as after a quiet spell: the bursts below find no idle one to spare.
    assertThat(burst(1, "sync").ok()).as(client.agentLog()).isEqualTo(1);
    stats();
  }

  @AfterAll
  static void stopMesh() throws Exception {
    for (AutoCloseable c : new AutoCloseable[] {client, client25, server, grpcClient, grpcServer, etcd}) {
      if (c != null) {
        c.close();
      }
    }
  }

  private static void pool(String fields) throws Exception {
    int before = appliedCount(client);
    int before25 = client25 == null ? 0 : appliedCount(client25);
    int grpcBefore = grpcClient == null ? 0 : appliedCount(grpcClient);
    etcd.put(
        Policies.DESTINATION_KEY,
        """
        kind: DestinationPolicy
        metadata: {name: orders}
        spec:
          host: orders
          connectionPool: {%s}
        """
            .formatted(fields));
    awaitApplied(client, before);
    if (client25 != null) {
      awaitApplied(client25, before25);
    }
    if (grpcClient != null) {
      awaitApplied(grpcClient, grpcBefore);
    }
  }

  /** Policy snapshots a client's agent has applied so far (one log line each). */
  private static int appliedCount(MeshJvm jvm) {
    return jvm.agentLog().split("applied policy", -1).length - 1;
  }

  /**
   * Waits until a client applied a snapshot after {@code before}: a limit put while a burst runs
   * would meet tries already in flight that took no slot.
   */
  private static void awaitApplied(MeshJvm jvm, int before) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (appliedCount(jvm) <= before && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(appliedCount(jvm)).as(jvm.agentLog()).isGreaterThan(before);
  }

  private static Burst burst(int count, String mode) throws Exception {
    return burst(client, count, mode);
  }

  private static Burst burst(MeshJvm from, int count, String mode) throws Exception {
    from.send("burst " + count + " http://orders/ " + mode);
    String line = from.awaitLineStartingWith("result", Duration.ofSeconds(120));
    Matcher m = RESULT.matcher(line);
    assertThat(m.matches()).as(line).isTrue();
    return new Burst(m);
  }

  private static void tell(String command) throws Exception {
    server.send(command);
    server.awaitLine(l -> l.equals("ok"), Duration.ofSeconds(10));
  }

  private static Stats stats() throws Exception {
    server.send("stats");
    String line = server.awaitLineStartingWith("stats", Duration.ofSeconds(10));
    server.awaitLine(l -> l.equals("ok"), Duration.ofSeconds(10));
    Matcher m = STATS.matcher(line);
    assertThat(m.matches()).as(line).isTrue();
    return new Stats(m);
  }

  @Test
  @Order(1)
  void fiftyAsyncRequestsWaitForFourSlotsAndAllSucceed() throws Exception {
    pool("maxRequestsPerEndpoint: 4");
    tell("sleep 50");
    stats();
    Burst b = burst(50, "async");
    Stats s = stats();
    Burst again = burst(50, "async");
    Stats s2 = stats();
    System.out.printf(
        "maxRequestsPerEndpoint 4, 50 async twice: ok=%d+%d, server saw %d and %d at once, %d and %d new connections%n",
        b.ok(), again.ok(), s.maxConcurrent(), s2.maxConcurrent(), s.newConnections(), s2.newConnections());
    assertThat(b.ok()).as(client.agentLog()).isEqualTo(50);
    assertThat(again.ok()).isEqualTo(50);
    assertThat(s.requests()).isEqualTo(50);
    assertThat(s.maxConcurrent()).isBetween(1, 4);
    assertThat(s2.maxConcurrent()).isBetween(1, 4);
    // One connection was open: at most 3 more for 4 tries at once (measured: 3, then none), and a
    // little slack, since a slot comes back as the response completes, a moment before the JDK
    // pools its connection, and a try handed the slot then may open another. Without the limit:
    // one per request in flight (the last case).
    assertThat(s.newConnections() + s2.newConnections()).isLessThanOrEqualTo(3 + 2);
  }

  @Test
  @Order(2)
  void twentyBlockingCallersWaitOnTheirThreads() throws Exception {
    pool("maxRequestsPerEndpoint: 6");
    tell("sleep 50");
    stats();
    Burst b = burst(20, "sync");
    Stats s = stats();
    System.out.printf(
        "maxRequestsPerEndpoint 6, 20 sync callers: ok=%d, server saw %d at once, %d new connections%n", b.ok(), s.maxConcurrent(), s.newConnections());
    assertThat(b.ok()).as(client.agentLog()).isEqualTo(20);
    assertThat(s.maxConcurrent()).isBetween(1, 6);
    assertThat(s.newConnections()).isLessThanOrEqualTo(6 + 2);
  }

  @Test
  @Order(3)
  void pastMaxPendingRequestsTheOverflowIsRefusedAtOnce() throws Exception {
    pool("maxRequestsPerEndpoint: 2, maxPendingRequests: 5");
    tell("sleep 1000");
    stats();
    Burst b = burst(30, "async");
    Stats s = stats();
    System.out.printf("2 per endpoint, 5 pending, 30 async at once: ok=%d refused=%s (slowest refusal %d ms)%n", b.ok(), b.refused(), b.refusedMaxMillis());
    // 2 sent and 5 waiting; the rest refused while the first two are still at the server (1 s)
    assertThat(b.ok()).isEqualTo(7);
    assertThat(b.refused()).isEqualTo("{pending-overflow=23}");
    assertThat(b.failed()).isZero();
    assertThat(b.refusedMaxMillis()).isLessThan(900);
    assertThat(s.requests()).isEqualTo(7);
    assertThat(s.maxConcurrent()).isBetween(1, 2);
  }

  /** The HttpURLConnection callers: Java 17, and Java 25 when installed. */
  private static java.util.List<MeshJvm> urlConnectionClients() {
    return client25 == null ? java.util.List.of(client) : java.util.List.of(client, client25);
  }

  private static String java(MeshJvm jvm) {
    return jvm == client25 ? "Java 25" : "Java 17";
  }

  @Test
  @Order(4)
  void blockingHttpUrlConnectionCallersWaitForTheirSlots() throws Exception {
    pool("maxRequestsPerEndpoint: 4");
    tell("sleep 0");
    for (MeshJvm jvm : urlConnectionClients()) {
      assertThat(burst(jvm, 1, "urlconnection").ok()).as(jvm.agentLog()).isEqualTo(1); // classes loaded, one connection kept
    }
    tell("sleep 50");
    for (MeshJvm jvm : urlConnectionClients()) {
      stats();
      Burst b = burst(jvm, 20, "urlconnection");
      Stats s = stats();
      System.out.printf(
          "HttpURLConnection (%s), maxRequestsPerEndpoint 4, 20 callers at once: ok=%d, server saw %d at once, %d requests, %d new connections%n",
          java(jvm), b.ok(), s.maxConcurrent(), s.requests(), s.newConnections());
      assertThat(b.ok()).as(jvm.agentLog()).isEqualTo(20);
      assertThat(s.requests()).isEqualTo(20);
      assertThat(s.maxConcurrent()).isBetween(1, 4);
    }
  }

  @Test
  @Order(5)
  void pastMaxPendingRequestsHttpUrlConnectionReadsTheRefusalAsAnAnswer() throws Exception {
    pool("maxRequestsPerEndpoint: 2, maxPendingRequests: 5");
    tell("sleep 1000");
    for (MeshJvm jvm : urlConnectionClients()) {
      stats();
      Burst b = burst(jvm, 30, "urlconnection");
      Stats s = stats();
      System.out.printf(
          "HttpURLConnection (%s), 2 per endpoint, 5 pending, 30 callers at once: ok=%d refused=%s failed=%d (slowest refusal %d ms), server saw %d at once%n",
          java(jvm), b.ok(), b.refused(), b.failed(), b.refusedMaxMillis(), s.maxConcurrent());
      // 2 sent and 5 waiting; the rest refused (503, x-skein-refused) while the first two take 1 s
      assertThat(b.ok()).as(jvm.agentLog()).isEqualTo(7);
      assertThat(b.refused()).isEqualTo("{pending-overflow=23}");
      assertThat(b.failed()).isZero();
      assertThat(b.refusedMaxMillis()).isLessThan(900);
      assertThat(s.requests()).isEqualTo(7);
      assertThat(s.maxConcurrent()).isBetween(1, 2);
    }
  }

  @Test
  @Order(6)
  void aChangeAppliesLiveAndRemovingTheLimitLiftsIt() throws Exception {
    tell("sleep 100");
    pool("maxRequestsPerEndpoint: 8");
    stats();
    Burst limited = burst(40, "async");
    Stats atEight = stats();
    int before = appliedCount(client);
    etcd.delete(Policies.DESTINATION_KEY);
    awaitApplied(client, before);
    Burst unlimited = burst(40, "async");
    Stats free = stats();
    System.out.printf(
        "limit 8: %d at once, %d new connections; no limit: %d at once, %d new connections%n",
        atEight.maxConcurrent(), atEight.newConnections(), free.maxConcurrent(), free.newConnections());
    assertThat(limited.ok()).isEqualTo(40);
    assertThat(unlimited.ok()).isEqualTo(40);
    assertThat(atEight.maxConcurrent()).isBetween(5, 8);
    assertThat(free.maxConcurrent()).isGreaterThan(8);
  }

  @Test
  @Order(7)
  void grpcCallsWaitAtThePickAndTheOverflowFailsUnavailable() throws Exception {
    grpcServer =
        TwoVersionMesh.ordersInstance(etcd, "v1")
            .property("skein.advertise.address", "127.0.0.1")
            .start("dev.skein.it.apps.resilience.GrpcFlaky", "server");
    grpcServer.awaitLineStartingWith("listening", Duration.ofSeconds(30));
    for (int i = 0; i < 100 && !etcd.getPrefix("/skein/endpoints/default/orders/").contains("grpc"); i++) {
      Thread.sleep(100);
    }
    grpcClient =
        MeshJvm.builder("pool-grpc-client")
            .property("skein.first.snapshot.wait.ms", "20000")
            .property("skein.service", "frontend")
            .property("skein.etcd.endpoints", etcd.endpoint())
            .start("dev.skein.it.apps.resilience.GrpcFlaky", "client", "orders");
    grpcClient.awaitLineStartingWith("ready", Duration.ofSeconds(30));
    pool("maxRequestsPerEndpoint: 2");
    grpcTell("sleep 200");
    grpcTell("concurrency");
    Matcher waited = pace(100, 0.3);
    int atOnce = grpcConcurrency();
    // 16 callers released at once: their picks race for the 2 slots, and none goes over.
    grpcTell("sleep 20");
    grpcClient.send("burst 16 4");
    String burst = grpcClient.awaitLineStartingWith("burst", Duration.ofSeconds(60));
    int burstAtOnce = grpcConcurrency();
    System.out.printf("grpc, 2 per endpoint: 16 callers x 4 calls at once: %s, server saw %d at once%n", burst, burstAtOnce);
    assertThat(burst).as(grpcClient.agentLog()).isEqualTo("burst ok=64 codes={}");
    assertThat(burstAtOnce).isBetween(1, 2);
    pool("maxRequestsPerEndpoint: 2, maxPendingRequests: 3");
    grpcTell("sleep 1000");
    Matcher overflow = pace(200, 0.1);
    System.out.printf("grpc, 2 per endpoint: 30 calls in 0.3 s: %s, server saw %d at once; 3 pending, 20 in 0.1 s: %s%n",
        waited.group(), atOnce, overflow.group());
    assertThat(waited.group(2)).as(grpcClient.agentLog()).isEqualTo("30");
    assertThat(atOnce).isBetween(1, 2);
    // 2 sent, 3 waiting, the rest UNAVAILABLE at the pick while the first two take 1 s
    int ok = Integer.parseInt(overflow.group(2));
    assertThat(overflow.group(3)).isEqualTo("{UNAVAILABLE=" + (20 - ok) + "}");
    assertThat(ok).isBetween(5, 10);
  }

  @Test
  @Order(8)
  void grpcCallsWhoseDeadlinePassedWhileWaitingLeaveTheQueueAndHoldNoSlot() throws Exception {
    // Overload: 2 slots, the server slow, 100 calls a second with a 150-ms deadline; nearly all
    // of them wait and fail while waiting.
    pool("maxRequestsPerEndpoint: 2, maxPendingRequests: 500");
    grpcTell("sleep 300");
    Matcher overload = pace(100, 0.5, 150);
    // Then normal load: the calls that failed while waiting must not take the freed slots (each
    // one held for the 2-s claim time, they would throttle the endpoint to a call a second).
    grpcTell("sleep 10");
    Matcher after = pace(50, 1, 2000);
    System.out.printf("grpc, 2 per endpoint: 50 calls with a 150-ms deadline against a 300-ms server: %s; then 50 in 1 s: %s%n",
        overload.group(), after.group());
    assertThat(overload.group(2)).isEqualTo("0");
    assertThat(after.group(2)).as(after.group() + "\n" + grpcClient.agentLog()).isEqualTo("50");
  }

  private static Matcher pace(int rps, double seconds) throws Exception {
    return pace(rps, seconds, 0);
  }

  private static Matcher pace(int rps, double seconds, long deadlineMillis) throws Exception {
    grpcClient.send("pace " + rps + " " + seconds + " " + deadlineMillis);
    String line = grpcClient.awaitLineStartingWith("paced", Duration.ofSeconds(60));
    Matcher m = PACED.matcher(line);
    assertThat(m.matches()).as(line).isTrue();
    return m;
  }

  private static void grpcTell(String command) throws Exception {
    grpcServer.send(command);
    grpcServer.awaitLine(l -> l.equals("ok"), Duration.ofSeconds(10));
  }

  private static int grpcConcurrency() throws Exception {
    grpcServer.send("concurrency");
    String line = grpcServer.awaitLineStartingWith("concurrency", Duration.ofSeconds(10));
    grpcServer.awaitLine(l -> l.equals("ok"), Duration.ofSeconds(10));
    return Integer.parseInt(line.substring("concurrency max=".length()));
  }
}
