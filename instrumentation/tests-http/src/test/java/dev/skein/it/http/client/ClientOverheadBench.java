package dev.skein.it.http.client;

import dev.skein.it.support.AgentJar;
import dev.skein.it.support.EtcdServer;
import dev.skein.it.support.MeshJvm;
import dev.skein.it.support.Policies;
import dev.skein.it.support.TwoVersionMesh;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The agent's per-request price for OkHttp and Apache HttpClient 5 (or other libraries), side by side in one run:
 * sequential keep-alive GETs from a client JVM without the agent (calling the v1 server's
 * address) and with it (calling {@code http://orders/} with a 90/10 Route in force), the
 * scenarios interleaved (A B A B ...). Prints a Markdown table of medians over the rounds.
 * Arguments: [requests per run, default 20000] [rounds, default 3]; system property
 * {@code skein.bench.libraries} picks the libraries ({@code okhttp,apache} by default; also
 * {@code reactor}, {@code urlconnection}).
 */
public final class ClientOverheadBench {
  private static final Pattern LATENCY = Pattern.compile("latency p50=(\\d+) p90=(\\d+) p99=(\\d+) max=(\\d+) count=(\\d+) cpu_us_per_req=([\\d.]+)");

  private ClientOverheadBench() {}

  public static void main(String[] args) throws Exception {
    int requests = args.length > 0 ? Integer.parseInt(args[0]) : 20000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    // One agent jar for the whole run, even if a build replaces it meanwhile.
    Path agentCopy = Files.createTempFile("skein-agent", ".jar");
    Files.copy(Path.of(AgentJar.path()), agentCopy, StandardCopyOption.REPLACE_EXISTING);
    System.setProperty("skein.agent.jar", agentCopy.toString());
    try (EtcdServer etcd = EtcdServer.started(); TwoVersionMesh mesh = new TwoVersionMesh(etcd)) {
      etcd.put(Policies.DESTINATION_KEY, Policies.ORDERS_SUBSETS);
      etcd.put(Policies.ROUTE_KEY, Policies.split(90, 10));
      mesh.startServer("v1");
      mesh.startServer("v2");
      Thread.sleep(1500);
      String port = etcd.getPrefix("/skein/endpoints/default/orders/").lines()
          .filter(l -> l.contains("\"v1\"")).findFirst().map(l -> l.replaceAll(".*\"port\":(\\d+).*", "$1")).orElseThrow();
      String direct = "http://127.0.0.1:" + port + "/bench";
      Map<String, List<double[]>> results = new LinkedHashMap<>();
      for (int round = 1; round <= rounds; round++) {
        for (String library : System.getProperty("skein.bench.libraries", "okhttp,apache").split(",")) {
          System.err.println("round " + round + "/" + rounds + ": " + library);
          results.computeIfAbsent(library + " without agent", k -> new ArrayList<>())
              .add(run(MeshJvm.builder("plain").withoutAgent(), library, direct, requests));
          results.computeIfAbsent(library + " with agent", k -> new ArrayList<>())
              .add(run(MeshJvm.builder("agent").property("skein.service", "bench-client")
                  .property("skein.etcd.endpoints", etcd.endpoint()), library, "http://orders/bench", requests));
        }
      }
      StringBuilder table = new StringBuilder(String.format(Locale.ROOT,
          "Client overhead, %d cores, Java %s, medians of %d runs x %d sequential keep-alive requests%n%n"
              + "| client | p50 µs | p99 µs | client CPU µs/request |%n|---|---:|---:|---:|%n",
          Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), rounds, requests));
      results.forEach((name, runs) -> table.append(String.format(Locale.ROOT, "| %s | %.0f | %.0f | %.1f |%n",
          name, median(runs, 0), median(runs, 1), median(runs, 2))));
      System.out.println(table);
    }
  }

  private static double[] run(MeshJvm.Builder builder, String library, String url, int requests) throws Exception {
    try (MeshJvm jvm = builder.start(ClientLatencyProbe.class.getName(), library, url, String.valueOf(requests / 2), String.valueOf(requests))) {
      String line = jvm.awaitLineStartingWith("latency", Duration.ofMinutes(5));
      Matcher m = LATENCY.matcher(line);
      if (!m.find()) {
        throw new IllegalStateException(line);
      }
      return new double[] {Double.parseDouble(m.group(1)), Double.parseDouble(m.group(3)), Double.parseDouble(m.group(6))};
    }
  }

  private static double median(List<double[]> runs, int index) {
    List<Double> values = new ArrayList<>();
    runs.forEach(r -> values.add(r[index]));
    Collections.sort(values);
    int n = values.size();
    return n % 2 == 1 ? values.get(n / 2) : (values.get(n / 2 - 1) + values.get(n / 2)) / 2;
  }
}
