package dev.skein.it.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.skein.it.support.EtcdServer;
import dev.skein.it.support.MeshJvm;
import dev.skein.it.support.Policies;
import dev.skein.it.support.TwoVersionMesh;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * etcd goes down and up every few seconds while policies change between the outages; two
 * clients send steady traffic, one on Java 17 and one on Java 25.
 */
class EtcdFlappingIT {
  @Test
  void flappingEtcdFailsNoRequestAndTheFinalPolicyIsApplied() throws Exception {
    String java25 = System.getProperty("skein.it.java25", "");
    // CI installs Temurin 25 there; a developer machine without it skips, CI never does.
    assumeTrue(System.getenv("CI") != null || Files.isExecutable(Path.of(java25)), "no Java 25 at " + java25);
    try (EtcdServer etcd = EtcdServer.started(); TwoVersionMesh mesh = new TwoVersionMesh(etcd)) {
      etcd.put(Policies.DESTINATION_KEY, Policies.ORDERS_SUBSETS);
      etcd.put(Policies.ROUTE_KEY, Policies.split(100, 0));
      mesh.startServer("v1");
      mesh.startServer("v2");
      try (Traffic on17 = Traffic.start(client("client-java17", etcd), "http://orders/x", 40);
          Traffic on25 = Traffic.start(client("client-java25", etcd).java(java25), "http://orders/x", 40)) {
        long start = Traffic.now();
        on17.awaitSecond(start, s -> s.onlyBody("v1"), Duration.ofSeconds(30));
        on25.awaitSecond(start, s -> s.onlyBody("v1"), Duration.ofSeconds(30));
        long steady = Traffic.now();

        int flaps = 4;
        // When etcd went down and came back, in seconds since traffic was steady: for reading a failure.
        List<String> outages = new ArrayList<>();
        for (int i = 0; i < flaps; i++) {
          double down = (Traffic.now() - steady) / 1e9;
          etcd.stop();
          Thread.sleep(3000);
          etcd.start();
          outages.add(String.format("%+.1f..%+.1f s", down, (Traffic.now() - steady) / 1e9));
          // A change while etcd is up for a moment: the last one (i = 3) sends everything to v2.
          etcd.put(Policies.ROUTE_KEY, i % 2 == 0 ? Policies.split(50, 50) : Policies.split(0, 100));
          Thread.sleep(1500 + 500 * i);
        }
        long last = Traffic.now();
        Duration applied17 = on17.awaitSecond(last, s -> s.onlyBody("v2"), Duration.ofSeconds(20));
        Duration applied25 = on25.awaitSecond(last, s -> s.onlyBody("v2"), Duration.ofSeconds(20));
        on17.awaitSeconds(2);

        for (Traffic t : new Traffic[] {on17, on25}) {
          System.out.printf("etcd flapping %dx (%s): sent=%d failed=%d%n", flaps, t == on17 ? "Java 17" : "Java 25",
              t.ok(steady) + t.failed(steady), t.failed(steady));
          assertThat(t.failed(steady))
              .as("failed requests (seconds since traffic was steady): %s; etcd down %s; the client's log:%n%s",
                  t.failures(steady), outages, t.jvm.agentLog())
              .isZero();
          assertThat(t.jvm.agentLog()).doesNotContainPattern(dev.skein.it.support.AgentLogs.ERROR_LINE);
        }
        System.out.printf("final policy visible within %d ms (Java 17) and %d ms (Java 25) of the last flap%n",
            applied17.toMillis(), applied25.toMillis());
      }
    }
  }

  private static MeshJvm.Builder client(String name, EtcdServer etcd) {
    return MeshJvm.builder(name).property("skein.service", "frontend").property("skein.etcd.endpoints", etcd.endpoint());
  }
}
