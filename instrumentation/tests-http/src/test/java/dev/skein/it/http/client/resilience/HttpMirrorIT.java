package dev.skein.it.http.client.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skein.it.apps.resilience.FlakyServer;
import dev.skein.it.support.EtcdServer;
import dev.skein.it.support.MeshJvm;
import dev.skein.it.support.Policies;
import dev.skein.it.support.TwoVersionMesh;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Route {@code mirror}: {@code orders} v1 takes the traffic, v2 gets copies. The share of copies
 * follows {@code percent}, a body streamed once arrives whole (and one over 64 KiB is not copied); a mirror that is slow and failing neither delays nor fails the real
 * calls. One real etcd, two servers and one client JVM, each under the agent.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HttpMirrorIT {
  static final String ROUTE_KEY = "/skein/policies/default/Route/orders";
  static final String SUBSETS =
      """
      kind: DestinationPolicy
      metadata: {name: orders}
      spec:
        host: orders
        subsets:
          - {name: v1, labels: {version: v1}}
          - {name: v2, labels: {version: v2}}
      """;
  private static final Pattern BODY_COUNT = Pattern.compile("=(\\d+)(?=, |}$)");
  private static final Pattern RESULT = Pattern.compile("result ok=(\\d+) failed=(\\d+) .* maxMillis=(\\d+) .*");
  private static EtcdServer etcd;
  private static MeshJvm v1;
  private static MeshJvm v2;
  private static MeshJvm client;

  @BeforeAll
  static void startMesh() throws Exception {
    etcd = EtcdServer.started();
    v1 = server("v1");
    v2 = server("v2");
    client =
        MeshJvm.builder("clients")
            .property("skein.service", "frontend")
            .property("skein.etcd.endpoints", etcd.endpoint())
            .start(ResilienceDriver.class.getName());
    client.awaitLineStartingWith("ready", Duration.ofSeconds(60));
    for (int i = 0; i < 100 && !client.agentLog().contains("policies from etcd"); i++) {
      Thread.sleep(100);
    }
    etcd.put(Policies.DESTINATION_KEY, SUBSETS);
    // Both registrations seen: the copies have somewhere to go.
    for (int i = 0; i < 50 && !client.agentLog().contains("2 endpoints"); i++) {
      Thread.sleep(200);
    }
  }

  private static MeshJvm server(String version) throws Exception {
    MeshJvm server = TwoVersionMesh.ordersInstance(etcd, version).start("dev.skein.it.apps.resilience.FlakyServer");
    server.awaitLineStartingWith("listening", Duration.ofSeconds(30));
    return server;
  }

  @AfterAll
  static void stopMesh() throws Exception {
    for (AutoCloseable c : new AutoCloseable[] {client, v1, v2, etcd}) {
      if (c != null) {
        c.close();
      }
    }
  }

  static void mirror(int percent) throws Exception {
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
                - destination: {subset: v1}
              mirror: {destination: {subset: v2}, percent: %d}
        """
            .formatted(percent));
    Thread.sleep(700);
  }

  static String send(int count, String library) throws Exception {
    client.send("send " + count + " http://orders/api/items " + library);
    return client.awaitLine(l -> l.startsWith("result") || l.startsWith("error"), Duration.ofSeconds(120));
  }

  static void command(MeshJvm server, String command) throws Exception {
    server.send(command);
    server.awaitLine(l -> l.equals("ok"), Duration.ofSeconds(10));
  }

  static long count(MeshJvm server) throws Exception {
    server.send("count");
    String line = server.awaitLineStartingWith("count", Duration.ofSeconds(10));
    server.awaitLine(l -> l.equals("ok"), Duration.ofSeconds(10));
    return Long.parseLong(line.substring(6).trim());
  }

  /** Requests with a body since the last look, whatever the body. */
  static long bodies(MeshJvm server) throws Exception {
    Matcher m = BODY_COUNT.matcher(bodiesSeen(server));
    long n = 0;
    while (m.find()) {
      n += Long.parseLong(m.group(1));
    }
    return n;
  }

  @ParameterizedTest
  @ValueSource(strings = {"jdk", "okhttp", "reactor", "apache", "apache-async", "urlconnection"})
  @Order(1)
  void aShareOfCallsIsCopiedToTheMirror(String library) throws Exception {
    mirror(50);
    count(v1);
    count(v2);
    String line = send(400, library);
    Thread.sleep(500); // the last copies are on their way
    long real = count(v1);
    long copies = count(v2);
    System.out.printf("%s mirror 50%%: %d real calls, %d copies (%s)%n", library, real, copies, line);
    assertThat(line).startsWith("result ok=400 failed=0");
    assertThat(real).isEqualTo(400);
    assertThat(copies).isBetween(140L, 260L);
  }

  /**
   * HttpURLConnection: a body the JDK buffered goes with the copy; a body in streaming mode left
   * as the application wrote it, so that call is not copied.
   */
  @Test
  @Order(2)
  void httpUrlConnectionCopiesABufferedBodyAndNoStreamedOne() throws Exception {
    mirror(100);
    count(v2);
    bodies(v2);
    String buffered = send(40, "urlconnection-put");
    String streamed = send(40, "urlconnection-streaming");
    Thread.sleep(500); // the last copies are on their way
    long copies = count(v2);
    long withBody = bodies(v2);
    System.out.printf("urlconnection mirror 100%%: 40 buffered PUTs, 40 streamed PUTs: %d copies, %d with a body (%s / %s)%n",
        copies, withBody, buffered, streamed);
    assertThat(buffered).startsWith("result ok=40 failed=0");
    assertThat(streamed).startsWith("result ok=40 failed=0");
    assertThat(copies).isEqualTo(40);
    assertThat(withBody).isEqualTo(40);
  }

  static String bodiesSeen(MeshJvm server) throws Exception {
    server.send("bodies");
    String line = server.awaitLineStartingWith("bodies", Duration.ofSeconds(10));
    server.awaitLine(l -> l.equals("ok"), Duration.ofSeconds(10));
    return line.substring(7).trim();
  }

  /**
   * A body the application streams once (Apache async's one-shot producer, Reactor Netty's send
   * callback or Publisher) is copied as the first try sends it; once it has gone out whole, the
   * mirror gets the request with the whole body: same share, same bytes.
   */
  @ParameterizedTest
  @ValueSource(strings = {"apache-async-put", "apache-async-put-mid", "apache-async-post-mid", "reactor-put", "reactor-put-mid", "reactor-post-mid"})
  @Order(3)
  void aStreamedBodyIsCopiedWholeToTheMirror(String library) throws Exception {
    mirror(50);
    count(v1);
    count(v2);
    bodiesSeen(v1);
    bodiesSeen(v2);
    String body = library.endsWith("-mid") ? ResilienceClient.MID_BODY : ResilienceClient.BODY;
    String key = FlakyServer.key(body.getBytes(StandardCharsets.UTF_8));
    String line = send(400, library);
    Thread.sleep(500); // the last copies are on their way
    long real = count(v1);
    long copies = count(v2);
    String realBodies = bodiesSeen(v1);
    String copiedBodies = bodiesSeen(v2);
    System.out.printf("%s mirror 50%%: %d real calls, %d copies, copies' bodies %s%n", library, real, copies, abbreviated(copiedBodies));
    assertThat(line).as(abbreviated(line)).startsWith("result ok=400 failed=0");
    assertThat(real).isEqualTo(400);
    assertThat(realBodies).isEqualTo("{" + key + "=400}");
    assertThat(copies).isBetween(140L, 260L);
    assertThat(copiedBodies).as("every copy carries the whole body").isEqualTo("{" + key + "=" + copies + "}");
  }

  /** A streamed body over 64 KiB is not kept, so such a call gets no copy; the real calls go on. */
  @ParameterizedTest
  @ValueSource(strings = {"apache-async-put-large", "reactor-put-large"})
  @Order(4)
  void aStreamedBodyOver64KiBIsNotCopied(String library) throws Exception {
    mirror(100);
    count(v1);
    count(v2);
    String line = send(20, library);
    Thread.sleep(500);
    long real = count(v1);
    long copies = count(v2);
    System.out.printf("%s mirror 100%%, 100-KiB bodies: %d real calls, %d copies%n", library, real, copies);
    assertThat(line).as(abbreviated(line)).startsWith("result ok=20 failed=0");
    assertThat(real).isEqualTo(20);
    assertThat(copies).isZero();
  }

  private static String abbreviated(String text) {
    return text.length() <= 300 ? text : text.substring(0, 300) + "...";
  }

  @ParameterizedTest
  @ValueSource(strings = {"jdk", "okhttp", "reactor", "apache", "apache-async", "urlconnection", "apache-async-put", "reactor-put"})
  @Order(5)
  void aSlowFailingMirrorNeitherDelaysNorFailsTheRealCalls(String library) throws Exception {
    mirror(100);
    command(v2, "fail 100");
    command(v2, "sleep 2000");
    try {
      String line = send(20, library);
      Matcher m = RESULT.matcher(line);
      assertThat(m.matches()).as(line).isTrue();
      System.out.printf("%s mirror sleeping 2 s and failing: %s%n", library, line);
      assertThat(m.group(1)).as(line).isEqualTo("20");
      assertThat(Long.parseLong(m.group(3))).as("slowest real call, ms: " + line).isLessThan(1000);
    } finally {
      command(v2, "sleep 0");
      command(v2, "fail 0");
    }
  }

  /**
   * HttpURLConnection's copies leave from a bounded pool of the mesh's own: a mirror that stops
   * answering holds at most its two threads, the copies past the bound are dropped (logged once),
   * and the real calls go on at full speed.
   */
  @Test
  @Order(6)
  void httpUrlConnectionDropsCopiesPastItsBound() throws Exception {
    mirror(100);
    // The copies of the case before are through (the last ones held 2 s by the mirror): a quiet
    // second at the mirror, so none of them is counted here or holds a copy thread.
    Thread.sleep(2500);
    for (int i = 0; i < 30 && count(v2) > 0; i++) {
      Thread.sleep(1000);
    }
    command(v2, "sleep 3000");
    try {
      count(v2);
      String line = send(150, "urlconnection");
      long reached = count(v2);
      Matcher m = RESULT.matcher(line);
      assertThat(m.matches()).as(line).isTrue();
      String drop = "a copy was dropped";
      long logged = client.agentLog().lines().filter(l -> l.contains(drop)).count();
      System.out.printf("urlconnection, mirror sleeping 3 s, 150 calls: %s; %d copies reached the mirror meanwhile, drop logged %d time(s)%n",
          line, reached, logged);
      assertThat(m.group(1)).as(line).isEqualTo("150");
      assertThat(Long.parseLong(m.group(3))).as("slowest real call, ms: " + line).isLessThan(1000);
      // two copy threads, each held 3 s by the mirror (a second pair if the calls took over 3 s)
      assertThat(reached).isBetween(1L, 4L);
      assertThat(logged).as(client.agentLog()).isEqualTo(1);
    } finally {
      command(v2, "sleep 0");
    }
  }
}
