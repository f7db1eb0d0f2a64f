package dev.skein.it.http.client.resilience;

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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * LEAST_REQUEST through the shared client call path, which reports every try's start and end:
 * two {@code orders} endpoints, v2 answering 100 ms late, and 8 threads calling at once. The
 * slow endpoint holds more calls in flight, so power of two choices sends most calls to the fast
 * one (round robin would split them evenly). One real etcd, two servers and one client JVM, each
 * under the agent.
 */
class HttpLeastRequestIT {
  static final String LEAST_REQUEST =
      """
      kind: DestinationPolicy
      metadata: {name: orders}
      spec:
        host: orders
        loadBalancer: {simple: LEAST_REQUEST}
      """;
  private static final Pattern RESULT = Pattern.compile("result ok=(\\d+) .* bodies=\\{(?:v1=(\\d+))?,? ?(?:v2=(\\d+))?\\}");
  private static EtcdServer etcd;
  private static MeshJvm fast;
  private static MeshJvm slow;
  private static MeshJvm client;

  @BeforeAll
  static void startMesh() throws Exception {
    etcd = EtcdServer.started();
    fast = server("v1");
    slow = server("v2");
    slow.send("sleep 100");
    slow.awaitLine(l -> l.equals("ok"), Duration.ofSeconds(10));
    client =
        MeshJvm.builder("clients")
            .property("skein.service", "frontend")
            .property("skein.etcd.endpoints", etcd.endpoint())
            .start(ResilienceDriver.class.getName());
    client.awaitLineStartingWith("ready", Duration.ofSeconds(60));
    for (int i = 0; i < 100 && !client.agentLog().contains("policies from etcd"); i++) {
      Thread.sleep(100);
    }
    etcd.put(Policies.DESTINATION_KEY, LEAST_REQUEST);
    for (int i = 0; i < 50 && !client.agentLog().contains("1 policies, 2 endpoints"); i++) {
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
    for (AutoCloseable c : new AutoCloseable[] {client, fast, slow, etcd}) {
      if (c != null) {
        c.close();
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"jdk", "apache", "okhttp"})
  void mostCallsGoToTheFastEndpoint(String library) throws Exception {
    client.send("send 400 http://orders/api/items " + library + " 8");
    String line = client.awaitLine(l -> l.startsWith("result") || l.startsWith("error"), Duration.ofSeconds(120));
    Matcher m = RESULT.matcher(line);
    assertThat(m.matches()).as(line).isTrue();
    int toFast = m.group(2) == null ? 0 : Integer.parseInt(m.group(2));
    System.out.printf("%s LEAST_REQUEST, v2 100 ms slower, 8 threads: %d of 400 calls to the fast endpoint (%s)%n", library, toFast, line);
    assertThat(m.group(1)).as(line).isEqualTo("400");
    assertThat(toFast).as(line).isGreaterThanOrEqualTo(300);
  }
}
