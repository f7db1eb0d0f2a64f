package dev.skein.it.bench;

import dev.skein.it.support.EtcdServer;
import dev.skein.it.support.MeshJvm;
import dev.skein.it.support.Policies;
import dev.skein.it.support.TwoVersionMesh;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The foundation's price, side by side in one run, scenarios interleaved (A B A B ...):
 *
 * <ul>
 *   <li>time from JVM start to the first completed request: a plain client calling the server's
 *       address, against the same client under the agent calling {@code http://orders/} (median
 *       of N starts);
 *   <li>per-request latency of sequential keep-alive requests, p50 and p99, without the agent
 *       and with it (a weighted Route and a DestinationPolicy in force).
 * </ul>
 *
 * Writes {@code target/bench/foundation.md}. Run: {@code bin/bench-foundation [starts] [requests]}.
 */
public final class FoundationBench {
  private static final Pattern LATENCY = Pattern.compile("latency p50=(\\d+) p90=(\\d+) p99=(\\d+) max=(\\d+) count=(\\d+) cpu_us_per_req=([\\d.]+)");

  private FoundationBench() {}

  public static void main(String[] args) throws Exception {
    int starts = args.length > 0 ? Integer.parseInt(args[0]) : 10;
    int requests = args.length > 1 ? Integer.parseInt(args[1]) : 20000;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    // One agent jar for the whole run, even if a build replaces it meanwhile.
    Path agentCopy = Files.createTempFile("skein-agent", ".jar");
    Files.copy(Path.of(dev.skein.it.support.AgentJar.path()), agentCopy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    System.setProperty("skein.agent.jar", agentCopy.toString());
    try (EtcdServer etcd = EtcdServer.started(); TwoVersionMesh mesh = new TwoVersionMesh(etcd)) {
      etcd.put(Policies.DESTINATION_KEY, Policies.ORDERS_SUBSETS);
      etcd.put(Policies.ROUTE_KEY, Policies.split(90, 10));
      mesh.startServer("v1");
      mesh.startServer("v2");
      Thread.sleep(1500);
      String direct = "http://127.0.0.1:" + v1Port(etcd) + "/bench";
      String meshUrl = "http://orders/bench";

      List<Double> plainStart = new ArrayList<>();
      List<Double> agentStart = new ArrayList<>();
      for (int i = 1; i <= starts; i++) {
        progress("time to first request: start " + i + "/" + starts);
        plainStart.add(firstRequestMillis(MeshJvm.builder("plain").withoutAgent(), direct));
        agentStart.add(firstRequestMillis(agentClient(etcd), meshUrl));
      }

      List<long[]> plainLatency = new ArrayList<>();
      List<long[]> agentLatency = new ArrayList<>();
      List<Double> plainCpu = new ArrayList<>();
      List<Double> agentCpu = new ArrayList<>();
      for (int i = 1; i <= rounds; i++) {
        progress("latency: round " + i + "/" + rounds + " (" + requests + " requests each)");
        Matcher a = latency(MeshJvm.builder("plain").withoutAgent(), direct, requests);
        plainLatency.add(new long[] {Long.parseLong(a.group(1)), Long.parseLong(a.group(3))});
        plainCpu.add(Double.parseDouble(a.group(6)));
        Matcher b = latency(agentClient(etcd), meshUrl, requests);
        agentLatency.add(new long[] {Long.parseLong(b.group(1)), Long.parseLong(b.group(3))});
        agentCpu.add(Double.parseDouble(b.group(6)));
      }
      System.out.print("\r" + " ".repeat(70) + "\r");

      double ps = median(plainStart);
      double as = median(agentStart);
      double p50a = median(plainLatency.stream().map(x -> (double) x[0]).toList());
      double p50b = median(agentLatency.stream().map(x -> (double) x[0]).toList());
      double p99a = median(plainLatency.stream().map(x -> (double) x[1]).toList());
      double p99b = median(agentLatency.stream().map(x -> (double) x[1]).toList());
      double cpuA = median(plainCpu);
      double cpuB = median(agentCpu);
      String table =
          String.format(
              Locale.ROOT,
              """
              | figure | without agent | with agent (routing in force) | added | ratio |
              |---|---:|---:|---:|---:|
              | time to first request (median of %d starts) | %.0f ms | %.0f ms | %+.0f ms | %.2f× |
              | request latency p50 (median of %d runs × %d) | %.0f µs | %.0f µs | %+.0f µs | %.2f× |
              | request latency p99 | %.0f µs | %.0f µs | %+.0f µs | %.2f× |
              | client CPU per request | %.1f µs | %.1f µs | %+.1f µs | %.2f× |
              """,
              starts, ps, as, as - ps, as / ps,
              rounds, requests, p50a, p50b, p50b - p50a, p50b / p50a,
              p99a, p99b, p99b - p99a, p99b / p99a,
              cpuA, cpuB, cpuB - cpuA, cpuB / cpuA);
      String header =
          "Skein foundation benchmark — " + Runtime.getRuntime().availableProcessors() + " cores, Java "
              + System.getProperty("java.version") + "\n\n";
      System.out.println(header + table);
      Path out = Path.of("target", "bench", "foundation.md");
      Files.createDirectories(out.getParent());
      Files.writeString(out, header + table);
      System.out.println("written to " + out.toAbsolutePath());
    }
  }

  private static MeshJvm.Builder agentClient(EtcdServer etcd) {
    return MeshJvm.builder("agent").property("skein.service", "bench-client").property("skein.etcd.endpoints", etcd.endpoint());
  }

  private static double firstRequestMillis(MeshJvm.Builder builder, String url) throws Exception {
    long start = System.nanoTime();
    try (MeshJvm jvm = builder.start("dev.skein.it.apps.FirstRequest", url)) {
      String line = jvm.awaitLineStartingWith("first-response", Duration.ofSeconds(60));
      long elapsed = System.nanoTime() - start;
      if (!line.startsWith("first-response 200")) {
        throw new IllegalStateException(line + "\n" + jvm.agentLog());
      }
      return elapsed / 1e6;
    }
  }

  private static Matcher latency(MeshJvm.Builder builder, String url, int requests) throws Exception {
    try (MeshJvm jvm = builder.start("dev.skein.it.apps.LatencyProbe", url, String.valueOf(requests / 2), String.valueOf(requests))) {
      String line = jvm.awaitLineStartingWith("latency", Duration.ofMinutes(5));
      Matcher m = LATENCY.matcher(line);
      if (!m.find()) {
        throw new IllegalStateException(line);
      }
      return m;
    }
  }

  private static String v1Port(EtcdServer etcd) {
    return etcd.getPrefix("/skein/endpoints/default/orders/").lines()
        .filter(l -> l.contains("\"v1\""))
        .findFirst()
        .map(l -> l.replaceAll(".*\"port\":(\\d+).*", "$1"))
        .orElseThrow(() -> new IllegalStateException("orders v1 did not register"));
  }

  static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }

  private static void progress(String message) {
    System.out.print("\r" + String.format("%-70s", "[bench] " + message));
    System.out.flush();
  }
}
