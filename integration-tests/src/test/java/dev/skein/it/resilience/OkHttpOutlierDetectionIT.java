package dev.skein.it.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skein.it.support.EtcdServer;
import dev.skein.it.support.MeshJvm;
import dev.skein.it.support.Policies;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Outlier detection for OkHttp, through real etcd: two {@code orders} endpoints (v1, v2) behind
 * round robin; v2 answers 500 to everything, is ejected after {@code consecutive5xxErrors} and
 * traffic goes to v1; healed, v2 gets traffic again after {@code baseEjectionTime}.
 */
class OkHttpOutlierDetectionIT {
  static final String OUTLIER =
      """
      kind: DestinationPolicy
      metadata: {name: orders}
      spec:
        host: orders
        outlierDetection: {consecutive5xxErrors: 3, interval: 1s, baseEjectionTime: 2s, maxEjectionPercent: 50}
      """;
  private static final Pattern RESULT = Pattern.compile("result ok=(\\d+) failed=(\\d+) .* bodies=(\\{.*?\\}) refused=.*");
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
        MeshJvm.builder("okhttp-client")
            .property("skein.service", "frontend")
            .property("skein.etcd.endpoints", etcd.endpoint())
            .start("dev.skein.it.apps.resilience.OkHttpDriver");
    client.awaitLineStartingWith("ready", Duration.ofSeconds(30));
    etcd.put(Policies.DESTINATION_KEY, OUTLIER);
    // Both endpoints and the policy are in force once both versions answer.
    for (int i = 0; i < 50 && !send(4).line().contains("v2="); i++) {
      Thread.sleep(200);
    }
    Thread.sleep(500);
  }

  private static MeshJvm server(String version) throws Exception {
    MeshJvm jvm =
        MeshJvm.builder("orders-" + version)
            .property("skein.service", "orders")
            .property("skein.labels", "version=" + version)
            .property("skein.etcd.endpoints", etcd.endpoint())
            .env("ECHO_VERSION", version)
            .start("dev.skein.it.apps.resilience.FlakyServer");
    jvm.awaitLineStartingWith("listening", Duration.ofSeconds(30));
    return jvm;
  }

  @AfterAll
  static void stopMesh() throws Exception {
    for (AutoCloseable c : new AutoCloseable[] {client, v1, v2, etcd}) {
      if (c != null) {
        c.close();
      }
    }
  }

  record Outcome(String line, int ok, int failed, String bodies) {}

  static Outcome send(int count) throws Exception {
    client.send("send " + count + " http://orders/api/items");
    String line = client.awaitLine(l -> l.startsWith("result") || l.startsWith("error"), Duration.ofSeconds(120));
    Matcher m = RESULT.matcher(line);
    if (!m.matches()) {
      throw new AssertionError(line + "\n" + client.agentLog());
    }
    return new Outcome(line, Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), m.group(3));
  }

  static void tell(MeshJvm server, String command) throws Exception {
    server.send(command);
    server.awaitLine(l -> l.equals("ok"), Duration.ofSeconds(10));
  }

  @Test
  void aFailingEndpointIsEjectedAndReturnsAfterTheEjectionTime() throws Exception {
    tell(v2, "fail 100");
    Outcome ejecting = send(40);
    System.out.printf("okhttp outlier detection, v2 failing: %s%n", ejecting.line());
    // Round robin sends v2 every other call: its third 500 in a row ejects it.
    assertThat(ejecting.failed()).as(ejecting.line()).isEqualTo(3);
    assertThat(ejecting.bodies()).isEqualTo("{v1=37}");

    tell(v2, "fail 0");
    Thread.sleep(2200);
    Outcome back = send(20);
    System.out.printf("okhttp outlier detection, after baseEjectionTime: %s%n", back.line());
    assertThat(back.ok()).as(back.line()).isEqualTo(20);
    assertThat(back.bodies()).isEqualTo("{v1=10, v2=10}");
  }
}
