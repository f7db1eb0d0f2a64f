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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * gRPC resilience through real etcd, one mesh for all cases so that the JVMs start once: an
 * {@code orders} gRPC server (v1) and a client on a mesh channel ({@code forTarget("orders")}),
 * each a JVM under the agent. Faults, retries, timeouts and the circuit breaker act in the
 * client's agent, the rate limit in the server's; the last case adds a second server (v2) for
 * outlier detection. Each case removes the policies it put.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GrpcResilienceIT {
  static final String RATE_LIMIT_KEY = "/skein/policies/default/RateLimitPolicy/orders";
  private static final Pattern RESULT =
      Pattern.compile("result ok=(\\d+) codes=(\\{.*?\\}) descriptions=(\\{.*?\\}) maxMillis=(\\d+) bodies=(\\{.*?\\}) last=.*");
  private static final Pattern PACED = Pattern.compile("paced sent=(\\d+) ok=(\\d+) codes=(\\{.*?\\}) seconds=.*");

  private static EtcdServer etcd;
  private static MeshJvm v1;
  private static MeshJvm v2;
  private static MeshJvm client;

  /** One {@code call N} line of the client: how many succeeded, by status, by cause, by server. */
  record Result(Matcher m) {
    int ok() {
      return Integer.parseInt(m.group(1));
    }

    String codes() {
      return m.group(2);
    }

    String descriptions() {
      return m.group(3);
    }

    long maxMillis() {
      return Long.parseLong(m.group(4));
    }

    String bodies() {
      return m.group(5);
    }

    String line() {
      return m.group();
    }
  }

  @BeforeAll
  static void startMesh() throws Exception {
    etcd = EtcdServer.started();
    v1 = startServer("v1");
    // The channel is built once the registration is in etcd, so that its target is a mesh host.
    awaitGrpcEndpoints(1);
    client =
        MeshJvm.builder("grpc-client")
            .property("skein.first.snapshot.wait.ms", "20000") // a loaded machine may take longer than the default 2 s
            .property("skein.service", "frontend")
            .property("skein.etcd.endpoints", etcd.endpoint())
            .start("dev.skein.it.apps.resilience.GrpcFlaky", "client", "orders");
    client.awaitLineStartingWith("ready", Duration.ofSeconds(30));
    assertThat(call(20).ok()).as(client.agentLog()).isEqualTo(20);
    serverCount(v1);
  }

  private static MeshJvm startServer(String version) throws Exception {
    MeshJvm jvm =
        TwoVersionMesh.ordersInstance(etcd, version)
            .property("skein.advertise.address", "127.0.0.1")
            .start("dev.skein.it.apps.resilience.GrpcFlaky", "server");
    jvm.awaitLineStartingWith("listening", Duration.ofSeconds(30));
    return jvm;
  }

  /** The second instance, v2, started once for the tests that need two (kept for the later ones). */
  private static void ensureV2() throws Exception {
    if (v2 == null) {
      v2 = startServer("v2");
      awaitGrpcEndpoints(2);
    }
  }

  private static void awaitGrpcEndpoints(int count) throws InterruptedException {
    for (int i = 0; i < 100 && etcd.getPrefix("/skein/endpoints/default/orders/").split("grpc", -1).length <= count; i++) {
      Thread.sleep(100);
    }
  }

  @AfterAll
  static void stopMesh() throws Exception {
    for (AutoCloseable c : new AutoCloseable[] {client, v1, v2, etcd}) {
      if (c != null) {
        c.close();
      }
    }
  }

  @AfterEach
  void removePolicies() throws Exception {
    etcd.delete(Policies.ROUTE_KEY);
    etcd.delete(Policies.DESTINATION_KEY);
    etcd.delete(RATE_LIMIT_KEY);
    tell(v1, "fail 0");
    tell(v1, "sleep 0");
    Thread.sleep(1000);
    serverCount(v1);
  }

  static Result call(int count) throws Exception {
    client.send("call " + count);
    String line = client.awaitLine(l -> l.startsWith("result"), Duration.ofSeconds(120));
    Matcher m = RESULT.matcher(line);
    assertThat(m.matches()).as(line + "\n" + client.agentLog()).isTrue();
    return new Result(m);
  }

  static void tell(MeshJvm server, String command) throws Exception {
    server.send(command);
    server.awaitLine(l -> l.equals("ok"), Duration.ofSeconds(10));
  }

  /** The calls the server received since it was last asked. */
  static long serverCount(MeshJvm server) throws Exception {
    server.send("count");
    String line = server.awaitLineStartingWith("count", Duration.ofSeconds(10));
    server.awaitLine(l -> l.equals("ok"), Duration.ofSeconds(10));
    return Long.parseLong(line.substring(6).trim());
  }

  static void route(String rule) throws Exception {
    etcd.put(
        Policies.ROUTE_KEY,
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

  @Test
  @Order(1)
  void abortPercentageHoldsWithinThreePointsAndNothingLeaves() throws Exception {
    route("fault: {abort: {percent: 20, grpcStatus: UNAVAILABLE}}");
    serverCount(v1);
    Result r = call(2000);
    int aborted = 2000 - r.ok();
    System.out.printf("grpc abort 20%%: measured %.2f%% (%s %s)%n", 100.0 * aborted / 2000, r.codes(), r.descriptions());
    // 2000 draws of p=0.2 have sigma 17.9: +-3 points is 3.4 sigma.
    assertThat(aborted / 2000.0).isBetween(0.17, 0.23);
    assertThat(r.codes()).isEqualTo("{UNAVAILABLE=" + aborted + "}");
    assertThat(r.descriptions()).isEqualTo("{fault=" + aborted + "}");
    assertThat(serverCount(v1)).as("aborted calls never leave the client").isEqualTo(r.ok());
  }

  @Test
  @Order(2)
  void retriesHideAServerFailingTenPercent() throws Exception {
    route("retries: {attempts: 3, retryOn: unavailable}");
    tell(v1, "fail 10");
    Result r = call(1000);
    System.out.printf("grpc 10%% failing server behind retries: %d/1000 ok (%s)%n", r.ok(), r.codes());
    assertThat(r.ok()).as(r.line()).isGreaterThanOrEqualTo(995);
  }

  @Test
  @Order(3)
  void aTimeoutEndsTheCallWithDeadlineExceeded() throws Exception {
    route("timeout: 200ms");
    tell(v1, "sleep 2000");
    Result r = call(5);
    System.out.printf("grpc 200ms timeout vs 2s server: slowest call %d ms (%s)%n", r.maxMillis(), r.codes());
    assertThat(r.codes()).isEqualTo("{DEADLINE_EXCEEDED=5}");
    assertThat(r.maxMillis()).isLessThan(300);
  }

  @Test
  @Order(4)
  void aFaultDelayHoldsEachCallBeforeItLeaves() throws Exception {
    route("fault: {delay: {percent: 100, fixedDelay: 300ms}}");
    long start = System.nanoTime();
    Result r = call(5);
    long millis = (System.nanoTime() - start) / 1_000_000;
    System.out.printf("grpc delay 300ms on every call: 5 calls in %d ms (%s)%n", millis, r.line());
    assertThat(r.ok()).as(r.line()).isEqualTo(5);
    assertThat(millis).isGreaterThanOrEqualTo(5 * 300);
  }

  /**
   * After {@code minimumCalls} failures the pick fails fast with UNAVAILABLE "skein: circuit
   * open" (the server stops seeing calls); after {@code openStateDuration}, with the server
   * healed, calls succeed again.
   */
  @Test
  @Order(5)
  void breakerOpensAfterMinimumCallsFailsFastAndClosesOnceHealed() throws Exception {
    etcd.put(Policies.DESTINATION_KEY, Policies.ORDERS_BREAKER);
    Thread.sleep(1000);
    tell(v1, "fail 100");
    serverCount(v1);

    Result failing = call(10);
    assertThat(failing.codes()).as(failing.line()).isEqualTo("{UNAVAILABLE=10}");
    assertThat(failing.descriptions()).isEqualTo("{other=10}");
    Result open = call(50);
    long reached = serverCount(v1);
    System.out.printf("grpc breaker: %d calls reached the failing server, then %s%n", reached, open.line());
    assertThat(open.codes()).as(open.line()).isEqualTo("{UNAVAILABLE=50}");
    assertThat(open.descriptions()).isEqualTo("{circuit-open=50}");
    assertThat(reached).as("only the calls before the breaker opened").isEqualTo(10);
    assertThat(open.maxMillis()).as("fail fast").isLessThan(50);

    tell(v1, "fail 0");
    Thread.sleep(2200);
    Result healed = call(30);
    System.out.printf("grpc breaker after openStateDuration, server healed: %s%n", healed.line());
    assertThat(healed.ok()).as(healed.line()).isEqualTo(30);
    assertThat(serverCount(v1)).isEqualTo(30);
  }

  /**
   * The server-side RateLimitPolicy: the client sends 200 calls a second, open loop, for 4 s;
   * the server lets the policy's rate through and answers RESOURCE_EXHAUSTED to the rest. The
   * policy changes live.
   */
  @Test
  @Order(6)
  void rateLimitAcceptsTheSetRateAndRefusesTheRestWithResourceExhausted() throws Exception {
    pace(20, 1); // warm up both JVMs' paced path
    limit(50, 0);
    Matcher m = pace(200, 4);
    int ok = Integer.parseInt(m.group(2));
    System.out.printf("grpc rate limit 50 rps, burst 0, 200 rps sent for 4 s: %d accepted (%s)%n", ok, m.group());
    assertThat(ok).as(m.group()).isBetween(180, 220);
    assertThat(m.group(3)).isEqualTo("{RESOURCE_EXHAUSTED=" + (800 - ok) + "}");

    limit(100, 20);
    m = pace(200, 4);
    ok = Integer.parseInt(m.group(2));
    System.out.printf("grpc rate limit 100 rps, burst 20, 200 rps sent for 4 s: %d accepted (%s)%n", ok, m.group());
    assertThat(ok).as(m.group()).isBetween(378, 462); // 400 + the burst of 20, +- 10%

    etcd.delete(RATE_LIMIT_KEY);
    for (int i = 0; i < 50 && !v1.agentLog().contains("rate limit for orders removed"); i++) {
      Thread.sleep(100);
    }
    m = pace(200, 1);
    assertThat(m.group(2)).as("no policy, no limit: " + m.group()).isEqualTo("200");
  }

  static Matcher pace(int rps, int seconds) throws Exception {
    client.send("pace " + rps + " " + seconds);
    String line = client.awaitLine(l -> l.startsWith("paced"), Duration.ofSeconds(60));
    Matcher m = PACED.matcher(line);
    assertThat(m.matches()).as(line + "\n" + client.agentLog()).isTrue();
    return m;
  }

  static void limit(int rps, int burst) throws Exception {
    etcd.put(
        RATE_LIMIT_KEY,
        """
        kind: RateLimitPolicy
        metadata: {name: orders}
        spec:
          selector: {service: orders}
          requestsPerSecond: %d
          burst: %d
        """
            .formatted(rps, burst));
    String expected = "rate limit for orders: " + (double) rps + " requests/s, burst " + burst;
    for (int i = 0; i < 50 && !v1.agentLog().contains(expected); i++) {
      Thread.sleep(100);
    }
    assertThat(v1.agentLog()).contains(expected);
    Thread.sleep(200); // let the new bucket's first token be the only one in it
  }

  /**
   * Outlier detection with a second server (v2) behind the same channel: v2 answers UNAVAILABLE
   * to everything, is ejected after {@code consecutive5xxErrors} and calls go to v1; healed, v2
   * gets calls again after {@code baseEjectionTime}.
   */
  @Test
  @Order(7)
  void aFailingEndpointIsEjectedAndReturnsAfterTheEjectionTime() throws Exception {
    v2 = startServer("v2");
    awaitGrpcEndpoints(2);
    etcd.put(Policies.DESTINATION_KEY, Policies.ORDERS_OUTLIER_DETECTION);
    for (int i = 0; i < 50 && !call(4).bodies().contains("v2="); i++) {
      Thread.sleep(200);
    }
    Thread.sleep(500);

    tell(v2, "fail 100");
    Result ejecting = call(40);
    System.out.printf("grpc outlier detection, v2 failing: %s%n", ejecting.line());
    // Round robin sends v2 every other call: its third UNAVAILABLE in a row ejects it.
    assertThat(ejecting.codes()).as(ejecting.line()).isEqualTo("{UNAVAILABLE=3}");
    assertThat(ejecting.bodies()).isEqualTo("{v1=37}");

    tell(v2, "fail 0");
    Thread.sleep(2200);
    Result back = call(20);
    System.out.printf("grpc outlier detection, after baseEjectionTime: %s%n", back.line());
    assertThat(back.ok()).as(back.line()).isEqualTo(20);
    assertThat(back.bodies()).isEqualTo("{v1=10, v2=10}");
  }

  /**
   * LEAST_REQUEST (power of two choices on in-flight calls) with v1 100 ms slow and v2 fast:
   * calls sent open loop pile up in flight on v1, so most go to v2; round robin would split them
   * evenly. Reuses v2 from the outlier case when it ran.
   */
  @Test
  @Order(8)
  void leastRequestSendsFewerCallsToASlowEndpoint() throws Exception {
    ensureV2();
    etcd.put(
        Policies.DESTINATION_KEY,
        """
        kind: DestinationPolicy
        metadata: {name: orders}
        spec:
          host: orders
          loadBalancer: {simple: LEAST_REQUEST}
        """);
    Thread.sleep(1000);
    for (int i = 0; i < 50 && !call(4).bodies().contains("v2="); i++) {
      Thread.sleep(200);
    }
    tell(v1, "sleep 100");
    serverCount(v1);
    serverCount(v2);
    Matcher m = pace(100, 3);
    long slow = serverCount(v1);
    long fast = serverCount(v2);
    System.out.printf("grpc LEAST_REQUEST, v1 100 ms slower, 100 calls/s for 3 s: %d to the fast endpoint, %d to the slow (%s)%n", fast, slow, m.group());
    assertThat(m.group(2)).as(m.group()).isEqualTo("300");
    assertThat(fast + slow).isEqualTo(300);
    assertThat(fast).as("fast %d, slow %d", fast, slow).isGreaterThan(3 * slow);
  }

  /**
   * Route mirror for gRPC: every call goes to v1, and a copy of half of them to v2 on the same
   * channel, fire-and-forget; a mirror that is slow and fails everything leaves the real calls as
   * they were.
   */
  @Test
  @Order(9)
  void mirrorSendsACopyOfTheSetShareToTheMirrorSubset() throws Exception {
    ensureV2();
    etcd.put(Policies.DESTINATION_KEY, Policies.ORDERS_SUBSETS);
    etcd.put(
        Policies.ROUTE_KEY,
        """
        kind: Route
        metadata: {name: orders}
        spec:
          host: orders
          http:
            - route:
                - destination: {host: orders, subset: v1}
              mirror: {destination: {host: orders, subset: v2}, percent: 50}
        """);
    Thread.sleep(1000);
    // Until the channel is connected to v2 a copy is dropped: wait for the first one to arrive.
    for (int i = 0; i < 50 && serverCount(v2) == 0; i++) {
      call(4);
      Thread.sleep(200);
    }
    Thread.sleep(500);
    serverCount(v1);
    serverCount(v2);
    Result r = call(400);
    Thread.sleep(1000); // the copies are fire-and-forget: let the last ones arrive
    long real = serverCount(v1);
    long copies = serverCount(v2);
    System.out.printf("grpc mirror 50%%: %d of 400 calls copied to v2, %d reached v1 (%s)%n", copies, real, r.line());
    assertThat(r.ok()).as(r.line()).isEqualTo(400);
    assertThat(real).isEqualTo(400);
    assertThat(copies).as("copies of 400 at 50%%").isBetween(150L, 250L);

    tell(v2, "fail 100");
    tell(v2, "sleep 2000");
    try {
      Result slow = call(20);
      System.out.printf("grpc mirror sleeping 2 s and failing everything: %s%n", slow.line());
      assertThat(slow.ok()).as(slow.line()).isEqualTo(20);
      assertThat(slow.maxMillis()).as(slow.line()).isLessThan(1000);
    } finally {
      tell(v2, "fail 0");
      tell(v2, "sleep 0");
    }
  }
}
