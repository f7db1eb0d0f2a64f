package dev.skein.it.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skein.it.support.EtcdServer;
import dev.skein.it.support.MeshJvm;
import dev.skein.it.support.Policies;
import dev.skein.it.support.TwoVersionMesh;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Steady load with a policy change every second for {@code skein.soak.seconds} (60 in CI; 600
 * for the long run): no request fails, and the client's and a server's heap after full GC,
 * threads and file descriptors stay flat.
 */
class SoakIT {
  static final int SECONDS = Integer.getInteger("skein.soak.seconds", 60);
  static final int RATE = 50;
  static final Duration WARM_UP = Duration.ofSeconds(10);

  @Test
  void steadyLoadWithAPolicyChangeEverySecondStaysFlat() throws Exception {
    try (EtcdServer etcd = EtcdServer.started(); TwoVersionMesh mesh = new TwoVersionMesh(etcd)) {
      etcd.put(Policies.DESTINATION_KEY, Policies.ORDERS_SUBSETS);
      etcd.put(Policies.ROUTE_KEY, Policies.split(100, 0));
      MeshJvm server = mesh.startServer("v1");
      mesh.startServer("v2");
      try (Traffic traffic =
          Traffic.start(
              MeshJvm.builder("soak-client").property("skein.service", "frontend").property("skein.etcd.endpoints", etcd.endpoint()),
              "http://orders/x",
              RATE)) {
        long start = Traffic.now();
        traffic.awaitSecond(start, s -> s.onlyBody("v1"), Duration.ofSeconds(30));
        long steady = Traffic.now();
        long end = steady + Duration.ofSeconds(SECONDS).toNanos();
        long baselineAt = steady + WARM_UP.toNanos();
        ProcessFootprint clientBefore = null;
        ProcessFootprint serverBefore = null;
        int changes = 0;
        while (Traffic.now() < end) {
          long tick = Traffic.now();
          changes++;
          int v1 = (changes * 10) % 110;
          etcd.put(Policies.ROUTE_KEY, Policies.split(v1, 100 - v1));
          if (clientBefore == null && Traffic.now() >= baselineAt) {
            clientBefore = ProcessFootprint.of(traffic.jvm.pid());
            serverBefore = ProcessFootprint.of(server.pid());
          }
          long sleep = Duration.ofSeconds(1).toNanos() - (Traffic.now() - tick);
          if (sleep > 0) {
            Thread.sleep(sleep / 1_000_000);
          }
        }
        // The last change is 100/0: everything reaches v1 again.
        etcd.put(Policies.ROUTE_KEY, Policies.split(100, 0));
        long last = Traffic.now();
        Duration applied = traffic.awaitSecond(last, s -> s.onlyBody("v1"), Duration.ofSeconds(10));
        ProcessFootprint clientAfter = ProcessFootprint.of(traffic.jvm.pid());
        ProcessFootprint serverAfter = ProcessFootprint.of(server.pid());

        int sent = traffic.ok(steady) + traffic.failed(steady);
        System.out.printf("soak %d s at %d rps, %d policy changes: sent=%d failed=%d; last change applied within %d ms%n",
            SECONDS, RATE, changes + 1, sent, traffic.failed(steady), applied.toMillis());
        System.out.printf("  client: %s -> %s%n  server: %s -> %s%n", clientBefore, clientAfter, serverBefore, serverAfter);

        assertThat(traffic.failed(steady)).as("failed requests; " + traffic.tail(20)).isZero();
        assertThat(sent).isGreaterThan(RATE * SECONDS * 9 / 10);
        assertFlat("client", clientBefore, clientAfter);
        assertFlat("server", serverBefore, serverAfter);
        assertThat(traffic.jvm.agentLog()).doesNotContainPattern(dev.skein.it.support.AgentLogs.ERROR_LINE);
      }
    }
  }

  private static void assertFlat(String who, ProcessFootprint before, ProcessFootprint after) {
    assertThat(after.heapKb()).as(who + " heap after full GC (KB), before: " + before).isLessThanOrEqualTo(before.heapKb() * 105 / 100);
    // The JDK HTTP client's default executor is a cached pool that grows a few threads with
    // latency spikes; a thread per policy change would be tens (a change every second).
    assertThat(after.threads()).as(who + " threads, before: " + before).isLessThanOrEqualTo(before.threads() + 5);
    assertThat(after.fds()).as(who + " file descriptors, before: " + before).isLessThanOrEqualTo(before.fds() + 2);
  }
}
