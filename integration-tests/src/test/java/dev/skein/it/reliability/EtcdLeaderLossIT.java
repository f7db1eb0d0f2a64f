package dev.skein.it.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skein.it.support.EtcdCluster;
import dev.skein.it.support.MeshJvm;
import dev.skein.it.support.Policies;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A 3-member etcd cluster loses its leader under load; agents follow the new one. */
class EtcdLeaderLossIT {
  @Test
  void agentsFollowTheNewLeaderWithoutLosingTheWatch() throws Exception {
    List<AutoCloseable> jvms = new ArrayList<>();
    try (EtcdCluster etcd = EtcdCluster.started(3)) {
      etcd.put(Policies.DESTINATION_KEY, Policies.ORDERS_SUBSETS);
      etcd.put(Policies.ROUTE_KEY, Policies.split(100, 0));
      jvms.add(EchoServers.start(etcd.endpoints(), etcd::getPrefix, "v1", "v1", 0).jvm());
      jvms.add(EchoServers.start(etcd.endpoints(), etcd::getPrefix, "v2", "v2", 0).jvm());
      Traffic traffic =
          Traffic.start(
              MeshJvm.builder("traffic").property("skein.service", "frontend").property("skein.etcd.endpoints", etcd.endpoints()),
              "http://orders/x",
              50);
      jvms.add(traffic);
      long start = Traffic.now();
      traffic.awaitSecond(start, s -> s.onlyBody("v1"), Duration.ofSeconds(30));
      long steady = Traffic.now();

      int killed = etcd.leader();
      assertThat(killed).as("a leader").isNotNegative();
      etcd.kill(killed);
      long kill = Traffic.now();
      int newLeader = awaitNewLeader(etcd, killed);
      long elected = Traffic.now();
      // As an operator would: put through the surviving members once a leader is elected.
      etcd.put(Policies.ROUTE_KEY, Policies.split(0, 100));
      long put = Traffic.now();
      Duration applied = traffic.awaitSecond(put, s -> s.onlyBody("v2"), Duration.ofSeconds(20));

      // And again after the old leader rejoins as a follower.
      etcd.start(killed);
      etcd.put(Policies.ROUTE_KEY, Policies.split(100, 0));
      long put2 = Traffic.now();
      Duration applied2 = traffic.awaitSecond(put2, s -> s.onlyBody("v1"), Duration.ofSeconds(20));
      traffic.awaitSeconds(2);

      int sent = traffic.ok(steady) + traffic.failed(steady);
      System.out.printf(
          "leader loss: killed m%d, new leader m%d elected %d ms after the kill; sent=%d failed=%d;"
              + " put applied within %d ms (after rejoin %d ms)%n",
          killed, newLeader, (elected - kill) / 1_000_000, sent, traffic.failed(steady), applied.toMillis(), applied2.toMillis());
      assertThat(traffic.failed(steady)).as("failed requests; " + traffic.tail(20)).isZero();
      assertThat(applied).as("put after the failover applied").isLessThan(Duration.ofSeconds(5));
      assertThat(applied2).isLessThan(Duration.ofSeconds(5));
    } finally {
      for (AutoCloseable jvm : jvms) {
        jvm.close();
      }
    }
  }

  private static int awaitNewLeader(EtcdCluster etcd, int killed) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (System.nanoTime() < deadline) {
      int leader = etcd.leader();
      if (leader >= 0 && leader != killed) {
        return leader;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no new leader elected");
  }
}
