package dev.skein.it.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skein.it.grpc.GrpcMesh.Flavour;
import dev.skein.it.support.EtcdServer;
import dev.skein.it.support.MeshJvm;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The agent's per-call cost for gRPC unary calls, side by side in one run: sequential calls from
 * a client JVM without the agent, with the agent through the mesh (target {@code orders}), and
 * with the agent to a plain address (pass-through), all to the same server JVM. Rounds are
 * interleaved so that noise on this shared machine falls on every scenario alike. It reports;
 * it asserts only that every scenario ran (timings here are too noisy to gate a build on).
 */
class GrpcUnaryOverheadIT {
  private static final Pattern BENCH = Pattern.compile("bench p50=(\\d+) p99=(\\d+)");
  private static final int CALLS = Integer.getInteger("skein.bench.calls", 3000);
  private static final int ROUNDS = Integer.getInteger("skein.bench.rounds", 3);

  @Test
  void perCallOverheadOfTheAgent() throws Exception {
    try (EtcdServer etcd = EtcdServer.started()) {
      MeshJvm server = GrpcMesh.server(etcd, "v1", Flavour.SHADED, "forPort");
      Map<String, MeshJvm> clients = new LinkedHashMap<>();
      try {
        String direct = "127.0.0.1:" + registeredPort(etcd);
        clients.put("no agent, " + direct, plainClient(direct));
        MeshJvm mesh = GrpcMesh.client(etcd, "bench-mesh", Flavour.SHADED);
        GrpcMesh.channel(mesh, "forTarget orders");
        clients.put("agent, mesh target orders", mesh);
        MeshJvm passThrough = GrpcMesh.client(etcd, "bench-pass", Flavour.SHADED);
        GrpcMesh.channel(passThrough, "forTarget " + direct);
        clients.put("agent, " + direct + " (pass-through)", passThrough);

        Map<String, List<long[]>> results = new LinkedHashMap<>();
        for (int round = -1; round < ROUNDS; round++) { // round -1 warms up every JVM
          for (Map.Entry<String, MeshJvm> c : clients.entrySet()) {
            long[] r = bench(c.getValue());
            if (round >= 0) {
              results.computeIfAbsent(c.getKey(), k -> new ArrayList<>()).add(r);
            }
          }
        }
        StringBuilder table = new StringBuilder("\ngRPC unary, " + CALLS + " sequential calls x " + ROUNDS + " rounds (median of round p50/p99, microseconds)\n");
        results.forEach(
            (name, rounds) ->
                table.append(String.format("  %-48s p50=%6d  p99=%6d%n", name, median(rounds, 0), median(rounds, 1))));
        System.out.println(table);
        assertThat(results).hasSize(3).allSatisfy((name, rounds) -> assertThat(rounds).hasSize(ROUNDS));
      } finally {
        for (MeshJvm c : clients.values()) {
          c.close();
        }
        server.close();
      }
    }
  }

  private static int registeredPort(EtcdServer etcd) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (System.nanoTime() < deadline) {
      String endpoints = etcd.getPrefix("/skein/endpoints/default/orders/");
      Matcher m = Pattern.compile("\"port\":(\\d+)").matcher(endpoints);
      if (m.find()) {
        return Integer.parseInt(m.group(1));
      }
      Thread.sleep(100);
    }
    throw new AssertionError("the server never registered");
  }

  private static MeshJvm plainClient(String target) throws Exception {
    MeshJvm client = MeshJvm.builder("bench-plain").withoutAgent().classPath(Flavour.SHADED.classPath()).start("dev.skein.it.grpc.apps.GrpcClientDriver");
    client.awaitLineStartingWith("ready", Duration.ofSeconds(30));
    GrpcMesh.channel(client, "forTarget " + target);
    return client;
  }

  private static long[] bench(MeshJvm client) throws Exception {
    client.send("bench " + CALLS);
    String line = client.awaitLine(l -> l.startsWith("bench") || l.startsWith("error"), Duration.ofSeconds(120));
    Matcher m = BENCH.matcher(line);
    assertThat(m.matches()).as(line).isTrue();
    return new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))};
  }

  private static long median(List<long[]> rounds, int index) {
    return rounds.stream().mapToLong(r -> r[index]).sorted().skip(rounds.size() / 2).findFirst().orElseThrow();
  }
}
