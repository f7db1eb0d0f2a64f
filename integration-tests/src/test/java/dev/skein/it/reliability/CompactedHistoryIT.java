package dev.skein.it.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skein.it.support.EtcdServer;
import dev.skein.it.support.MeshJvm;
import dev.skein.it.support.Policies;
import dev.skein.it.support.TwoVersionMesh;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * While one agent is cut off from etcd, the policy changes many times, etcd compacts its
 * history past the agent's revision, defragments and restarts. When the agent reconnects it
 * cannot resume its watch; it must re-read and apply the latest policy.
 */
class CompactedHistoryIT {
  @Test
  void anAgentBehindACompactedRevisionReReadsAndAppliesTheLatestPolicy() throws Exception {
    try (EtcdServer etcd = EtcdServer.started();
        TwoVersionMesh mesh = new TwoVersionMesh(etcd);
        TcpProxy link = new TcpProxy(URI.create(etcd.endpoint()).getPort())) {
      etcd.put(Policies.DESTINATION_KEY, Policies.ORDERS_SUBSETS);
      etcd.put(Policies.ROUTE_KEY, Policies.split(100, 0));
      mesh.startServer("v1");
      mesh.startServer("v2");
      try (Traffic traffic =
          Traffic.start(
              MeshJvm.builder("traffic").property("skein.service", "frontend").property("skein.etcd.endpoints", link.endpoint()),
              "http://orders/x",
              50)) {
        long start = Traffic.now();
        traffic.awaitSecond(start, s -> s.onlyBody("v1"), Duration.ofSeconds(30));
        long steady = Traffic.now();

        link.cut();
        int revisions = 200;
        for (int i = 0; i < revisions - 1; i++) {
          etcd.putOverGateway(Policies.ROUTE_KEY, Policies.split(i % 100, 100 - i % 100).getBytes(StandardCharsets.UTF_8));
        }
        etcd.put(Policies.ROUTE_KEY, Policies.split(0, 100));
        long revision = revision(etcd);
        EtcdServer.Result compact = etcd.ctl(Duration.ofSeconds(10), "compact", Long.toString(revision));
        assertThat(compact.exitCode()).as(compact.output()).isZero();
        EtcdServer.Result defrag = etcd.ctl(Duration.ofSeconds(10), "defrag");
        assertThat(defrag.exitCode()).as(defrag.output()).isZero();
        etcd.stop();
        etcd.start();
        int okWhileCut = traffic.ok(steady);

        link.restore();
        long restored = Traffic.now();
        Duration applied = traffic.awaitSecond(restored, s -> s.onlyBody("v2"), Duration.ofSeconds(30));
        traffic.awaitSeconds(2);

        int sent = traffic.ok(steady) + traffic.failed(steady);
        String log = traffic.jvm.agentLog();
        System.out.printf("compacted history: %d revisions, compacted at %d; sent=%d failed=%d (ok while cut off %d);"
            + " latest policy applied within %d ms of reconnecting%n", revisions, revision, sent, traffic.failed(steady), okWhileCut,
            applied.toMillis());
        System.out.println(log.lines().filter(l -> l.contains("etcd")).reduce("", (a, b) -> a + "  " + b + "\n"));
        assertThat(traffic.failed(steady)).as("failed requests (seconds since traffic was steady on v1): " + traffic.failures(steady) + "\nagent log:\n" + log).isZero();
        assertThat(applied).isLessThan(Duration.ofSeconds(15));
        assertThat(log).doesNotContainPattern(dev.skein.it.support.AgentLogs.ERROR_LINE);
      }
    }
  }

  private static long revision(EtcdServer etcd) {
    EtcdServer.Result r = etcd.ctl(Duration.ofSeconds(10), "get", "/skein/policies/", "--prefix", "--keys-only", "-w", "json");
    Matcher m = Pattern.compile("\"revision\":(\\d+)").matcher(r.output());
    if (!m.find()) {
      throw new AssertionError("no revision in: " + r.output());
    }
    return Long.parseLong(m.group(1));
  }
}
