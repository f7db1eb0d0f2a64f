package dev.skein.it.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skein.it.support.AgentLogs;
import dev.skein.it.support.EtcdServer;
import dev.skein.it.support.MeshJvm;
import dev.skein.it.support.Policies;
import dev.skein.it.support.TwoVersionMesh;
import java.io.File;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A batch of invalid documents (see {@link BadPolicies}) put into a real etcd under load, most
 * through etcd's gRPC gateway (fast), every tenth with {@code etcdctl put} reading the value from
 * stdin: the agent keeps routing by the last good policy the whole time, no request fails, and a
 * good policy put after the batch still applies.
 */
class FuzzedPolicyIT {
  static final int DOCS = Integer.getInteger("skein.fuzz.docs", 200);
  static final long SEED = Long.getLong("skein.fuzz.seed", 20261126L);
  static final int RATE = 40;

  @Test
  void badDocumentsLeaveTheLastGoodPolicyInForce() throws Exception {
    try (EtcdServer etcd = EtcdServer.started(); TwoVersionMesh mesh = new TwoVersionMesh(etcd)) {
      etcd.put(Policies.DESTINATION_KEY, Policies.ORDERS_SUBSETS);
      etcd.put(Policies.ROUTE_KEY, Policies.split(0, 100));
      mesh.startServer("v1");
      mesh.startServer("v2");
      try (Traffic traffic =
          Traffic.start(
              MeshJvm.builder("fuzz-client").property("skein.service", "frontend").property("skein.etcd.endpoints", etcd.endpoint()),
              "http://orders/x",
              RATE)) {
        traffic.awaitSecond(Traffic.now(), s -> s.onlyBody("v2"), Duration.ofSeconds(30));
        long batch = Traffic.now();
        BadPolicies docs = new BadPolicies(SEED);
        int withEtcdctl = 0;
        for (int i = 0; i < DOCS; i++) {
          BadPolicies.Doc doc = docs.next();
          if (i % 10 == 0) {
            etcdctlPut(etcd, doc);
            withEtcdctl++;
          } else {
            etcd.putOverGateway(doc.key(), doc.value());
          }
        }
        long batchPut = Traffic.now();
        // Watch events arrive in order: once this good route applies, every bad one was seen.
        long good = Traffic.now();
        etcd.put(Policies.ROUTE_KEY, Policies.split(100, 0));
        Duration applied = traffic.awaitSecond(good, s -> s.onlyBody("v1"), Duration.ofSeconds(30));

        List<Traffic.Second> during = traffic.since(batch).stream().filter(s -> s.atNanos() <= good).toList();
        int sent = during.stream().mapToInt(s -> s.ok() + s.failed()).sum();
        int failed = traffic.failed(batch);
        long rejections = mesh.servers.get(0).agentLog().lines().filter(l -> l.contains("policy rejected")).count();
        long clientRejections = traffic.jvm.agentLog().lines().filter(l -> l.contains("policy rejected")).count();
        System.out.printf(
            "%d bad documents (seed %d, %d with etcdctl) put in %d ms under load: %d requests during the batch, %d failed,"
                + " bodies %s; rejections logged: client %d, server %d; the good route after them applied within %d ms%n",
            DOCS, SEED, withEtcdctl, (batchPut - batch) / 1_000_000, sent, failed,
            during.stream().flatMap(s -> s.bodies().keySet().stream()).distinct().toList(), clientRejections, rejections, applied.toMillis());

        assertThat(failed).as("failed requests: " + traffic.failures(batch)).isZero();
        assertThat(during).as("every second of the batch routed by the last good route (all to v2)")
            .allSatisfy(s -> assertThat(s.bodies().keySet()).containsOnly("v2"));
        assertThat(sent).isGreaterThan(0);
        // The agent applies the latest value of each key: documents overwritten while it parsed a
        // large one are skipped, so it logs fewer rejections than there were documents.
        assertThat(clientRejections).as("the client's agent saw and rejected the bad documents").isPositive();
        assertThat(traffic.jvm.agentLog()).doesNotContainPattern(AgentLogs.ERROR_LINE);
        assertThat(traffic.jvm.isAlive()).isTrue();
      }
    }
  }

  /** {@code etcdctl put KEY} with the value on stdin: any bytes, as an operator piping a file would. */
  private static void etcdctlPut(EtcdServer etcd, BadPolicies.Doc doc) throws Exception {
    File value = File.createTempFile("bad-policy", ".yaml");
    try {
      Files.write(value.toPath(), doc.value());
      ProcessBuilder pb = new ProcessBuilder("etcdctl", "--endpoints=" + etcd.endpoint(), "put", doc.key())
          .redirectInput(value).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
      pb.environment().put("ETCDCTL_API", "3");
      Process p = pb.start();
      assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).as("etcdctl put of " + doc.what()).isZero();
    } finally {
      value.delete();
    }
  }
}
