package dev.skein.it.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * The benchmark's outcome as {@code report.md} (one table, scenarios as columns, every figure
 * also as a ratio to the baseline; the targets; propagation to many engines) and
 * {@code report.png} (see {@link LatencyChart}).
 */
public final class BenchReport {
  private final BenchOptions options;
  private final String commandLine;
  private final List<ScenarioResult> results;
  private final List<PropagationBench.Result> propagation;
  private final List<String> propagationErrors;
  /** Each tracing scenario's own OTLP receiver, by scenario id. */
  private final Map<String, OtlpReceiver> receivers;
  private final double seconds;
  private final Path markdownFile;
  private final Path chartFile;
  private String markdown;

  BenchReport(
      BenchOptions options, String commandLine, List<ScenarioResult> results, List<PropagationBench.Result> propagation,
      List<String> propagationErrors, Map<String, OtlpReceiver> receivers, double seconds, Path markdownFile, Path chartFile) {
    this.options = options;
    this.commandLine = commandLine;
    this.results = results;
    this.propagation = propagation;
    this.propagationErrors = propagationErrors;
    this.receivers = receivers;
    this.seconds = seconds;
    this.markdownFile = markdownFile;
    this.chartFile = chartFile;
  }

  public String markdown() {
    return markdown;
  }

  public Path markdownFile() {
    return markdownFile;
  }

  public Path chartFile() {
    return chartFile;
  }

  /** Scenario id → null when it ran and produced every figure, else why not (skipped or failed). */
  public java.util.Map<String, String> outcomes() {
    java.util.Map<String, String> outcomes = new java.util.LinkedHashMap<>();
    for (ScenarioResult r : results) {
      String problem = r.producedNumbers() ? null : r.skipped != null ? "skipped: " + r.skipped : r.error != null ? r.error : "incomplete";
      if (problem == null && !r.producedGrpcNumbers()) {
        problem = "gRPC pair: " + (r.grpcError != null ? r.grpcError : "incomplete");
      }
      outcomes.put(r.id, problem);
    }
    return outcomes;
  }

  /** Whether a scenario was skipped because something it needs is not installed. */
  public boolean skipped(String id) {
    return results.stream().anyMatch(r -> r.id.equals(id) && r.skipped != null);
  }

  /** Engine count → p99 propagation milliseconds, for the engine counts that ran. */
  public java.util.Map<Integer, Double> propagationP99() {
    java.util.Map<Integer, Double> map = new java.util.TreeMap<>();
    propagation.forEach(p -> map.put(p.engines(), p.p99()));
    return map;
  }

  void write() throws IOException {
    markdown = render();
    Files.writeString(markdownFile, markdown);
    LatencyChart.write(chartFile, results.stream().filter(r -> !r.openLatency.isEmpty()).toList(), options.rates());
  }

  // === rendering ===

  private String render() {
    StringBuilder md = new StringBuilder();
    md.append("# Skein benchmark: the price of the mesh\n\n");
    md.append(machine()).append('\n');
    md.append(
        String.format(
            Locale.ROOT,
            "Settings: %d round(s), scenarios interleaved; open loop at %s requests/s for %.1f s each; sequential requests"
                + " for %.1f s; closed loop with %d connections for %.1f s; %s; run took %.0f s.%s\n\n",
            options.rounds(), options.rates(), options.openMillis() / 1000.0, options.sequentialMillis() / 1000.0,
            options.connections(), options.closedMillis() / 1000.0,
            options.firstWarmMillis() > 0
                ? String.format(Locale.ROOT, "before the first round's measured phases, %.0f s at the measured rate, HTTP and gRPC,"
                    + " not counted (the JVMs have just started; its failures are on a row of their own)", options.firstWarmMillis() / 1000.0)
                : "no warm-up phase at the measured rate",
            seconds,
            options.quickMode() ? " **Quick mode: proves that everything runs; the figures are not meaningful.**" : ""));
    ScenarioResult base = results.get(0);
    List<ScenarioResult> shown = results.stream().filter(r -> r.skipped == null && r.error == null).toList();
    md.append("| figure |");
    shown.forEach(r -> md.append(' ').append(r.label).append(" |"));
    md.append("\n|---|");
    shown.forEach(r -> md.append("---:|"));
    md.append('\n');
    for (int rate : options.rates()) {
      for (double p : new double[] {50, 90, 99, 99.9}) {
        row(md, shown, base, "latency p" + fmtPercentile(p) + " at " + rate + "/s", "µs", r -> r.latencyMicros(rate, p));
      }
    }
    row(md, shown, base, "sequential request p50 (1 connection)", "µs", r -> r.sequentialMicros(50));
    row(md, shown, base, "sequential request p99 (1 connection)", "µs", r -> r.sequentialMicros(99));
    row(md, shown, base, "maximum throughput (" + options.connections() + " connections)", "req/s", r -> ScenarioResult.median(r.throughput));
    row(md, shown, base, "CPU per request, client", "µs", r -> ScenarioResult.median(r.clientCpuMicros));
    row(md, shown, base, "CPU per request, server(s)", "µs", r -> ScenarioResult.median(r.serverCpuMicros));
    row(md, shown, base, "CPU per request, proxies", "µs", r -> r.hasProxies ? ScenarioResult.median(r.proxyCpuMicros) : Double.NaN);
    row(md, shown, base, "CPU per request, total", "µs", BenchReport::totalCpu);
    int grpcRate = options.referenceRate();
    for (double p : new double[] {50, 90, 99, 99.9}) {
      row(md, shown, base, "gRPC unary latency p" + fmtPercentile(p) + " at " + grpcRate + "/s", "µs",
          r -> r.producedGrpcNumbers() ? r.grpcMicros(p) : Double.NaN);
    }
    row(md, shown, base, "gRPC unary CPU per call, client", "µs", r -> grpcFigure(r, r.grpcClientCpuMicros));
    row(md, shown, base, "gRPC unary CPU per call, server(s)", "µs", r -> grpcFigure(r, r.grpcServerCpuMicros));
    row(md, shown, base, "gRPC unary CPU per call, proxies", "µs", r -> r.hasProxies ? grpcFigure(r, r.grpcProxyCpuMicros) : Double.NaN);
    row(md, shown, base, "gRPC unary CPU per call, total", "µs", BenchReport::totalGrpcCpu);
    row(md, shown, base, "resident memory, client (VmRSS)", "MiB", r -> ScenarioResult.median(r.clientRssMib));
    row(md, shown, base, "peak resident memory, client (VmHWM)", "MiB", r -> ScenarioResult.median(r.clientHwmMib));
    row(md, shown, base, "resident memory, server (VmRSS)", "MiB", r -> ScenarioResult.median(r.serverRssMib));
    row(md, shown, base, "resident memory, both proxies (VmRSS)", "MiB", r -> r.hasProxies ? ScenarioResult.median(r.proxyRssMib) : Double.NaN);
    row(md, shown, base, "JVM start to first response (Skein: a restart, its agent cache filled)", "ms", r -> ScenarioResult.median(r.firstRequestMillis));
    row(md, shown, base, "JVM start to first response, first start (Skein: empty agent cache)", "ms", ScenarioResult::firstStartMedian);
    row(md, shown, base, "etcdctl put to policy applied in the client agent", "ms", r -> ScenarioResult.median(r.policyApplyMillis));
    md.append("| requests failed / sent |");
    shown.forEach(r -> md.append(' ').append(r.failures).append(" / ").append(r.requests).append(" |"));
    md.append("\n| gRPC calls failed / sent |");
    shown.forEach(r -> md.append(' ').append(r.grpcFailures).append(" / ").append(r.grpcRequests).append(" |"));
    if (options.firstWarmMillis() > 0) {
      md.append("\n| first round's warm-up at " + options.rates().get(0) + "/s (not counted): requests failed / sent |");
      shown.forEach(r -> md.append(' ').append(r.warmFailures).append(" / ").append(r.warmRequests).append(" |"));
      md.append("\n| first round's warm-up at " + grpcRate + "/s (not counted): gRPC calls failed / sent |");
      shown.forEach(r -> md.append(' ').append(r.grpcWarmFailures).append(" / ").append(r.grpcWarmRequests).append(" |"));
    }
    md.append("\n\n");
    md.append(
        "Cells: the median over rounds (latency: percentiles of all rounds' requests together), then the ratio to the"
            + " baseline. Latency is open loop and measured from each request's *intended* send time (corrected for"
            + " coordinated omission); the load generator's own median lateness was "
            + String.format(Locale.ROOT, "%.0f µs", ScenarioResult.median(results.stream().flatMap(r -> r.lagMicros.stream()).toList()))
            + ", the same in every scenario. CPU is user+system time from /proc/PID/stat over the open-loop phases divided"
            + " by the requests sent (so the agents' background work counts). Memory is from /proc/PID/status after each"
            + " round; " + (options.heap() == null
                ? "every JVM sized its own heap (`--heap jvm`)"
                : "every application JVM ran with the same heap, -Xms" + options.heap() + " -Xmx" + options.heap() + " (`--heap`)")
            + (options.applicationJvmArgs().isEmpty() ? ""
                : " and with " + String.join(" ", options.applicationJvmArgs()) + " (a quick run: C1 alone, for a quick start of"
                    + " every JVM on few cores; these figures prove the harness, they are not the mesh's cost)")
            + ". Time to first response: a fresh JVM, from process start to its first response; for Skein, each round"
            + " starts one JVM with an empty `skein.cache.dir` (a first start: the agent transforms with Byte Buddy and"
            + " keeps the results) and then one with that cache (a restart: the instrumented classes come from the"
            + " cache and Byte Buddy does not start). gRPC rows: a"
            + " grpc-java (Netty) unary client and server of their own in each scenario (a 16-byte echo over one channel),"
            + " after the HTTP phases of each round one open-loop phase at " + grpcRate + " calls/s as long as an HTTP one,"
            + " latency from each call's intended start as above; CPU over that phase divided by the calls sent. The memory"
            + " and start-up rows are the HTTP pair's; \"–\" in a gRPC row: the pair did not run there (see the"
            + " scenario's note).\n\n");
    md.append(targets(base));
    md.append(propagationSection());
    md.append("## Scenarios\n\n");
    for (ScenarioResult r : results) {
      md.append("- **").append(r.label).append("** (`").append(r.id).append("`): ").append(r.notes);
      if (r.skipped != null) {
        md.append(" **Skipped: ").append(r.skipped).append("**");
      }
      if (r.error != null) {
        md.append(" **Failed: ").append(r.error.lines().findFirst().orElse("")).append("**");
      } else if (r.skipped == null && r.grpcError != null) {
        md.append(" **gRPC pair: ").append(r.grpcError.lines().findFirst().orElse("")).append("**");
      }
      if (!r.agentStartupPhases.isEmpty()) {
        md.append(" Agent start-up of the first-response JVM, ms since premain, per round: ")
            .append(String.join("; ", r.agentStartupPhases.stream().map(p -> "`" + p + "`").toList()))
            .append('.');
      }
      md.append('\n');
    }
    md.append(
        "\nOTLP received on loopback (each scenario has a receiver of its own; every request of the run, warm-ups"
            + " included, is traced, gRPC calls too, so the bytes per request or call sent are an upper bound):");
    for (ScenarioResult r : results) {
      OtlpReceiver receiver = receivers.get(r.id);
      if (receiver != null) {
        md.append(String.format(Locale.ROOT, " %s: %d trace export requests, %,d bytes (%,.0f per request or call sent), %d metric export requests;",
            r.label, receiver.requests("traces"), receiver.bytes("traces"),
            receiver.bytes("traces") / (double) Math.max(1, r.requests + r.grpcRequests),
            receiver.requests("metrics")));
      }
    }
    md.append("\n\nLatency percentiles (HTTP): report.png.\n");
    return md.toString();
  }

  private static double totalCpu(ScenarioResult r) {
    return ScenarioResult.median(r.clientCpuMicros) + ScenarioResult.median(r.serverCpuMicros)
        + (r.hasProxies ? ScenarioResult.median(r.proxyCpuMicros) : 0);
  }

  private static double grpcFigure(ScenarioResult r, List<Double> values) {
    return r.producedGrpcNumbers() ? ScenarioResult.median(values) : Double.NaN;
  }

  private static double totalGrpcCpu(ScenarioResult r) {
    return grpcFigure(r, r.grpcClientCpuMicros) + grpcFigure(r, r.grpcServerCpuMicros)
        + (r.hasProxies ? grpcFigure(r, r.grpcProxyCpuMicros) : 0);
  }

  private static void row(StringBuilder md, List<ScenarioResult> shown, ScenarioResult base, String name, String unit,
      ToDoubleFunction<ScenarioResult> figure) {
    md.append("| ").append(name).append(unit.isEmpty() ? "" : " (" + unit + ")").append(" |");
    double b = base.skipped == null && base.error == null ? figure.applyAsDouble(base) : Double.NaN;
    for (ScenarioResult r : shown) {
      double v = figure.applyAsDouble(r);
      md.append(' ').append(cell(v, b)).append(" |");
    }
    md.append('\n');
  }

  private static String cell(double value, double base) {
    if (Double.isNaN(value)) {
      return "–";
    }
    String v = value >= 100 ? String.format(Locale.ROOT, "%,.0f", value) : String.format(Locale.ROOT, "%.1f", value);
    if (Double.isNaN(base) || base == 0) {
      return v;
    }
    return v + String.format(Locale.ROOT, " (%.2f×)", value / base);
  }

  private static String fmtPercentile(double p) {
    return p == Math.rint(p) ? Integer.toString((int) p) : Double.toString(p);
  }

  private String targets(ScenarioResult base) {
    ScenarioResult skein = find("skein-policy");
    ScenarioResult nginx = find("nginx-sidecars");
    int rate = options.referenceRate();
    List<String> lines = new ArrayList<>();
    // Latencies of failed requests (a breaker's 503s come back at once) say nothing of the price.
    if (ok(skein) && skein.failures * 100 > skein.requests) {
      lines.add(target("Skein (full policy) targets", String.format(Locale.ROOT, "%,d of %,d requests failed", skein.failures, skein.requests), null));
      skein = null;
    }
    if (ok(base) && ok(skein)) {
      double add50 = skein.latencyMicros(rate, 50) - base.latencyMicros(rate, 50);
      double add99 = skein.latencyMicros(rate, 99) - base.latencyMicros(rate, 99);
      lines.add(target("Skein adds < 50 µs at p50 at " + rate + "/s", String.format(Locale.ROOT, "%+.0f µs", add50), add50 < 50));
      lines.add(target("Skein adds < 200 µs at p99 at " + rate + "/s", String.format(Locale.ROOT, "%+.0f µs", add99), add99 < 200));
      if (ok(nginx)) {
        double nginx50 = nginx.latencyMicros(rate, 50) - base.latencyMicros(rate, 50);
        // Added latency can come out at or below zero on a noisy machine: then there is no ratio to speak of.
        boolean comparable = nginx50 > 0 && add50 > 0;
        double ratio = comparable ? nginx50 / add50 : Double.NaN;
        lines.add(target("Skein adds ≥ 3× less latency than the nginx pair (p50)",
            String.format(Locale.ROOT, "nginx %+.0f µs vs Skein %+.0f µs%s", nginx50, add50,
                comparable ? String.format(Locale.ROOT, ": %.1f×", ratio) : ""),
            comparable ? Boolean.valueOf(ratio >= 3) : nginx50 > 0 && add50 <= 0 ? Boolean.TRUE : null));
      }
      double share = ScenarioResult.median(skein.throughput) / ScenarioResult.median(base.throughput);
      lines.add(target("maximum throughput ≥ 85% of baseline", String.format(Locale.ROOT, "%.0f%%", share * 100), share >= 0.85));
      double restart = ScenarioResult.median(skein.firstRequestMillis) - ScenarioResult.median(base.firstRequestMillis);
      double firstStart = skein.firstStartMedian() - base.firstStartMedian();
      ScenarioResult otel = find("otel");
      String otelStart = ok(otel)
          ? String.format(Locale.ROOT, " (OpenTelemetry agent: %+.0f ms)", ScenarioResult.median(otel.firstRequestMillis) - ScenarioResult.median(base.firstRequestMillis))
          : "";
      // Met only when both are: a new deployment always makes its first start with an empty cache.
      lines.add(target("time to first request ≤ baseline + 300 ms",
          String.format(Locale.ROOT, "restart %+.0f ms, first start (empty agent cache) %+.0f ms%s", restart, firstStart, otelStart),
          restart <= 300 && firstStart <= 300));
      double memory = ScenarioResult.median(skein.clientRssMib) - ScenarioResult.median(base.clientRssMib);
      lines.add(target("client memory ≤ baseline + 40 MiB", String.format(Locale.ROOT, "%+.0f MiB", memory), memory <= 40));
    }
    if (!propagation.isEmpty()) {
      PropagationBench.Result largest = propagation.get(propagation.size() - 1);
      lines.add(target("policy propagation p99 < 1 s for 500 engines",
          String.format(Locale.ROOT, "%.0f ms for %d engines", largest.p99(), largest.engines()),
          largest.p99() < 1000 && largest.engines() >= 500 ? Boolean.TRUE : largest.p99() < 1000 ? null : Boolean.FALSE));
    }
    if (lines.isEmpty()) {
      return "";
    }
    return "## The issue's targets (shown, not asserted)\n\n| target | measured | |\n|---|---|---|\n" + String.join("", lines) + "\n";
  }

  private static String target(String name, String measured, Boolean met) {
    return "| " + name + " | " + measured + " | " + (met == null ? "not measured" : met ? "met" : "**not met**") + " |\n";
  }

  private String propagationSection() {
    if (propagation.isEmpty() && propagationErrors.isEmpty()) {
      return "";
    }
    StringBuilder md = new StringBuilder("## Policy propagation to many agent engines\n\n");
    md.append(
        "Real Skein engines (the agent's own engine class loader), all in one JVM, each with its own"
            + " etcd watch (one connection to etcd's JSON gateway). Time from starting `etcdctl put` (its own run included, median shown) to each engine's"
            + " snapshot reaching the put's revision, over " + options.propagationPuts() + " puts.\n\n");
    md.append("| engines | p50 | p99 | max | etcdctl put itself (p50) | engines started in |\n|---:|---:|---:|---:|---:|---:|\n");
    for (PropagationBench.Result p : propagation) {
      md.append(String.format(Locale.ROOT, "| %d | %.0f ms | %.0f ms | %.0f ms | %.0f ms | %.1f s |\n",
          p.engines(), p.p50(), p.p99(), p.max(), p.etcdctlMillis(), p.startMillis() / 1000));
    }
    propagationErrors.forEach(e -> md.append("\nFailed: ").append(e).append('\n'));
    return md.append('\n').toString();
  }

  private ScenarioResult find(String id) {
    return results.stream().filter(r -> r.id.equals(id)).findFirst().orElse(null);
  }

  private static boolean ok(ScenarioResult r) {
    return r != null && r.skipped == null && r.error == null && !r.openLatency.isEmpty();
  }

  private String machine() {
    long memory = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getTotalMemorySize();
    return String.format(
        Locale.ROOT,
        "%s · %d cores (%s), %.1f GiB memory, %s %s · Java %s (%s) · command: `bin/bench %s`\n",
        ZonedDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm z")),
        Runtime.getRuntime().availableProcessors(), cpuModel(), memory / (1024.0 * 1024 * 1024),
        System.getProperty("os.name"), System.getProperty("os.version"), System.getProperty("java.version"),
        System.getProperty("java.vm.name"), commandLine);
  }

  private static String cpuModel() {
    try {
      return Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
          .filter(l -> l.startsWith("model name"))
          .map(l -> l.substring(l.indexOf(':') + 1).trim())
          .findFirst()
          .orElse("unknown CPU");
    } catch (IOException e) {
      return "unknown CPU";
    }
  }
}
