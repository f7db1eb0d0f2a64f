package dev.skein.it.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skein.it.support.EtcdServer;
import dev.skein.it.support.MeshJvm;
import dev.skein.it.support.Policies;
import dev.skein.it.support.TwoVersionMesh;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * etcd is down for three times a registration's lease (4 s here, 10 s by default) while a client
 * sends steady traffic through the mesh.
 */
class EtcdDownUnderLoadIT {
  static final int RATE = 50;
  static final Duration LEASE = Duration.ofSeconds(4);
  static final Duration DOWN = LEASE.multipliedBy(3);

  @Test
  void noRequestFailsWhileEtcdIsDownAndAPutAfterItReturnsTakesEffect() throws Exception {
    try (EtcdServer etcd = EtcdServer.started(); TwoVersionMesh mesh = new TwoVersionMesh(etcd)) {
      etcd.put(Policies.DESTINATION_KEY, Policies.ORDERS_SUBSETS);
      etcd.put(Policies.ROUTE_KEY, Policies.split(100, 0));
      for (String version : new String[] {"v1", "v2"}) {
        mesh.startServer(TwoVersionMesh.ordersInstance(etcd, version).property("skein.lease.ttl.seconds", Long.toString(LEASE.toSeconds())));
      }
      try (Traffic traffic = Traffic.start(client(etcd), "http://orders/x", RATE)) {
        long start = Traffic.now();
        traffic.awaitSecond(start, s -> s.onlyBody("v1"), Duration.ofSeconds(30));
        long steady = Traffic.now();

        etcd.stop();
        Thread.sleep(DOWN.toMillis());
        long down = Traffic.now();
        int okWhileDown = traffic.ok(steady);
        etcd.start();
        etcd.put(Policies.ROUTE_KEY, Policies.split(0, 100));
        long put = Traffic.now();
        Duration applied = traffic.awaitSecond(put, s -> s.onlyBody("v2"), Duration.ofSeconds(30));
        traffic.awaitSeconds(2);

        int sent = traffic.ok(steady) + traffic.failed(steady);
        System.out.printf("etcd down %d s: sent=%d failed=%d (ok while down %d); put after return applied within %d ms%n",
            DOWN.toSeconds(), sent, traffic.failed(steady), okWhileDown, applied.toMillis());
        assertThat(okWhileDown).as("traffic kept flowing while etcd was down").isGreaterThan(RATE * ((int) DOWN.toSeconds() - 5));
        assertThat(traffic.failed(steady)).as("failed requests; last seconds " + traffic.tail(40)).isZero();
        assertThat(applied).isLessThan(Duration.ofSeconds(10));
        assertThat(traffic.jvm.agentLog()).doesNotContainPattern(dev.skein.it.support.AgentLogs.ERROR_LINE);
        assertThat(down - steady).isGreaterThanOrEqualTo(DOWN.toNanos());
      }
    }
  }

  static MeshJvm.Builder client(EtcdServer etcd) {
    return MeshJvm.builder("traffic").property("skein.service", "frontend").property("skein.etcd.endpoints", etcd.endpoint());
  }
}
