package dev.skein.it.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * {@code libraries.md}: each library's latency and CPU per request without an agent, under the
 * OpenTelemetry Java agent (full runs) and under the Skein agent, and what each agent adds.
 */
public final class LibraryReport {
  /** The target: what the agent may add at the median, per library. */
  static final double TARGET_ADDED_P50_MICROS = 20;

  private static final LibraryPair.Mode NONE = LibraryPair.Mode.NONE;
  private static final LibraryPair.Mode OTEL = LibraryPair.Mode.OTEL;
  private static final LibraryPair.Mode SKEIN = LibraryPair.Mode.SKEIN;
  private static final LibraryPair.Mode BEFORE = LibraryPair.Mode.SKEIN_BEFORE;

  private final LibraryBenchOptions options;
  private final String commandLine;
  private final List<LibraryResult> results;
  private final OtlpReceiver otlp;
  private final OtlpReceiver otelOtlp;
  private final String loadBefore;
  private final String loadAfter;
  private final double seconds;
  private final Path file;
  private final ZonedDateTime written = ZonedDateTime.now(ZoneOffset.UTC);

  LibraryReport(
      LibraryBenchOptions options, String commandLine, List<LibraryResult> results, OtlpReceiver otlp, OtlpReceiver otelOtlp,
      String loadBefore, String loadAfter, double seconds, Path file) {
    this.options = options;
    this.commandLine = commandLine;
    this.results = results;
    this.otlp = otlp;
    this.otelOtlp = otelOtlp;
    this.loadBefore = loadBefore;
    this.loadAfter = loadAfter;
    this.seconds = seconds;
    this.file = file;
  }

  public Path file() {
    return file;
  }

  /**
   * Per library and mode ("okhttp without", "okhttp otel", "okhttp with"): null when it produced
   * numbers without a failed request, else why not.
   */
  public Map<String, String> outcomes() {
    Map<String, String> outcomes = new LinkedHashMap<>();
    for (LibraryResult r : results) {
      String problem = r.error;
      if (problem == null && r.p50.isEmpty()) {
        problem = "no numbers";
      } else if (problem == null && r.failures > 0) {
        problem = r.failures + " of " + r.requests + " requests failed";
      }
      outcomes.put(r.library + " " + r.mode.key, problem);
    }
    return outcomes;
  }

  /** Per library, the median over rounds of (p50 with the Skein agent − p50 without), in µs; absent when either failed. */
  public Map<String, Double> addedP50Micros() {
    return addedP50Micros(SKEIN);
  }

  /** {@link #addedP50Micros()} for {@code mode}'s agent. */
  public Map<String, Double> addedP50Micros(LibraryPair.Mode mode) {
    Map<String, Double> added = new LinkedHashMap<>();
    for (String library : options.libraries()) {
      List<Double> perRound = addedPerRound(library, mode, r -> r.p50);
      if (!perRound.isEmpty()) {
        added.put(library, LibraryResult.median(perRound));
      }
    }
    return added;
  }

  /** Per round, {@code figure} under {@code mode} less without an agent; empty when either failed or is absent. */
  private List<Double> addedPerRound(String library, LibraryPair.Mode mode, Function<LibraryResult, List<Double>> figure) {
    LibraryResult without = result(library, NONE);
    LibraryResult with = result(library, mode);
    List<Double> added = new ArrayList<>();
    if (without == null || with == null || without.error != null || with.error != null || figure.apply(without).size() != figure.apply(with).size()) {
      return added;
    }
    for (int i = 0; i < figure.apply(with).size(); i++) {
      added.add(figure.apply(with).get(i) - figure.apply(without).get(i));
    }
    return added;
  }

  private static List<Double> cpu(LibraryResult r) {
    List<Double> sum = new ArrayList<>();
    for (int i = 0; i < r.clientCpu.size(); i++) {
      sum.add(r.clientCpu.get(i) + r.serverCpu.get(i));
    }
    return sum;
  }

  private LibraryResult result(String library, LibraryPair.Mode mode) {
    return results.stream().filter(r -> r.library.equals(library) && r.mode == mode).findFirst().orElse(null);
  }

  public String markdown() {
    List<LibraryPair.Mode> modes = options.modes();
    boolean otel = modes.contains(OTEL);
    boolean before = modes.contains(BEFORE);
    String columns = modes.size() == 2 ? "without / with" : String.join(" / ", modes.stream().map(m -> m.column).toList());
    StringBuilder md = new StringBuilder();
    md.append(otel ? "# Per-library overhead: the Skein agent and the OpenTelemetry Java agent\n\n" : "# Per-library overhead of the Skein agent\n\n");
    String started = written.minusSeconds((long) seconds).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'"));
    md.append("Run started ").append(started).append(": `bin/bench ").append(commandLine.isBlank() ? "--libraries" : commandLine).append("`, ")
        .append(machine()).append("; load average (1, 5, 15 min) ").append(loadBefore).append(" at the start, ").append(loadAfter)
        .append(" at the end; took ").append(String.format(Locale.ROOT, "%.0f s", seconds)).append(".\n\n");
    md.append(String.format(Locale.ROOT,
        "Settings: %d round(s); each client warmed up with %,d sequential requests once started and %,d more before each sample;"
            + " each sample is %.1f s of sequential requests over one connection (one channel); within a round each library's"
            + " %d pairs run one after the other, in an order that rotates from round to round.%s\n\n",
        options.rounds(), options.startWarm(), options.roundWarm(), options.sampleMillis() / 1000.0, modes.size(),
        options.quickMode()
            ? " Quick mode: proves that every library produces numbers; the figures mean little."
            : " A first round (round 0) runs the same way and is not counted: right after start-up the JIT is still busy."));
    md.append("| library | p50 ").append(columns).append(" (µs) | added at p50, Skein (µs) |");
    if (before) {
      md.append(" added at p50, Skein before (µs) |");
    }
    if (otel) {
      md.append(" added at p50, OTel agent (µs) | Skein ÷ OTel agent, added at p50 |");
    }
    md.append(" p90 ").append(columns).append(" (µs) | p99 ").append(columns).append(" (µs)")
        .append(" | client CPU per request ").append(columns).append(" (µs) | server CPU per request ").append(columns).append(" (µs)")
        .append(" | added CPU per request, client + server: Skein").append(before ? " / Skein before" : "").append(otel ? " / OTel agent" : "")
        .append(" (µs)")
        .append(" | requests failed / sent | target: < 20 µs added at p50 |").append(otel ? " target: Skein ≤ OTel agent at p50 |" : "")
        .append("\n|---|---:|---:|").append(before ? "---:|" : "").append(otel ? "---:|---:|" : "").append("---:|---:|---:|---:|---:|---:|---|").append(otel ? "---|" : "")
        .append("\n");
    for (String library : options.libraries()) {
      Double added = addedP50Micros(SKEIN).get(library);
      Double otelAdded = addedP50Micros(OTEL).get(library);
      md.append("| ").append(LibraryPair.label(library))
          .append(" | ").append(each(library, r -> r.p50))
          .append(" | ").append(added == null ? "–" : signed(added));
      if (before) {
        Double beforeAdded = addedP50Micros(BEFORE).get(library);
        md.append(" | ").append(beforeAdded == null ? "–" : signed(beforeAdded));
      }
      if (otel) {
        md.append(" | ").append(otelAdded == null ? "–" : signed(otelAdded))
            .append(" | ").append(added == null || otelAdded == null || otelAdded <= 0 ? "–" : String.format(Locale.ROOT, "%.2f", added / otelAdded));
      }
      md.append(" | ").append(each(library, r -> r.p90))
          .append(" | ").append(each(library, r -> r.p99))
          .append(" | ").append(each(library, r -> r.clientCpu))
          .append(" | ").append(each(library, r -> r.serverCpu))
          .append(" | ").append(addedCpu(library, SKEIN));
      if (before) {
        md.append(" / ").append(addedCpu(library, BEFORE));
      }
      if (otel) {
        md.append(" / ").append(addedCpu(library, OTEL));
      }
      long failures = 0;
      long requests = 0;
      for (LibraryPair.Mode mode : modes) {
        failures += result(library, mode).failures;
        requests += result(library, mode).requests;
      }
      md.append(" | ").append(failures).append(" / ").append(requests)
          .append(" | ").append(added == null ? "not measured" : Math.round(added) < TARGET_ADDED_P50_MICROS ? "met" : "**not met**");
      if (otel) {
        md.append(" | ").append(added == null || otelAdded == null ? "not measured" : Math.round(added) <= Math.round(otelAdded) ? "met" : "**not met**");
      }
      md.append(" |\n");
    }
    md.append("\nCells: the median over rounds of each round's percentile (or CPU). \"Added at p50\" is the median over rounds of"
        + " (p50 with the agent − p50 without) in the same round, so it need not equal the difference of the medians beside it;"
        + " the added CPU likewise, of the client's and the server's CPU together. Per round, added at p50 (µs):");
    for (String library : options.libraries()) {
      md.append(" ").append(library).append(" Skein ").append(addedPerRound(library, SKEIN, r -> r.p50).stream().map(LibraryReport::signed).toList());
      if (before) {
        md.append(", Skein before ").append(addedPerRound(library, BEFORE, r -> r.p50).stream().map(LibraryReport::signed).toList());
      }
      if (otel) {
        md.append(", OTel agent ").append(addedPerRound(library, OTEL, r -> r.p50).stream().map(LibraryReport::signed).toList());
      }
      md.append(";");
    }
    md.setLength(md.length() - 1);
    md.append(". Latency is closed loop: one thread sends the next request when the last response has been read in full,"
        + " timed in the client around the library's call. CPU is user+system time of the client and the server process from"
        + " /proc/PID/stat over the sample, divided by the requests sent (the agent's background work counts; /proc counts in"
        + " 10 ms ticks).\n\n");
    md.append("Without an agent: plain JVMs, the client calls the server's loopback address (`http://127.0.0.1:PORT/bench`,"
        + " `forTarget(\"127.0.0.1:PORT\")`).");
    if (otel) {
      md.append(" OpenTelemetry agent: `io.opentelemetry.javaagent:opentelemetry-javaagent` 2.33.1 on the client and the"
          + " server, its defaults (HTTP and gRPC client and server spans, ").append(sampling()).append(", its HTTP and RPC metrics),"
          + " traces and metrics over OTLP/HTTP to a loopback receiver, metrics every 10 s, logs off, the same loopback"
          + " address (the receiver got ").append(otelOtlp.requests("traces")).append(" trace and ")
          .append(otelOtlp.requests("metrics")).append(" metric exports).");
    }
    if (before) {
      md.append(" Skein before: the same as Skein below with an earlier build of the agent, `").append(options.skeinBefore().getFileName())
          .append("`, under an etcd prefix of its own.");
    }
    md.append(" Skein: the Skein agent on the client and the server, no policies, the client"
        + " calls the service by name (`http://echo/bench`, `forTarget(\"echo\")`), resolved from the server's registration in a"
        + " real etcd started by the harness; telemetry as in the bench's \"Skein, telemetry only\" scenario (").append(sampling())
        .append(", spans and metrics over OTLP/HTTP to a loopback receiver, metrics every 10 s; the"
        + " receiver got ").append(otlp.requests("traces")).append(" trace and ").append(otlp.requests("metrics"))
        .append(" metric exports). HTTP clients (a GET, a 2-byte answer) call a JDK `HttpServer` (`EchoServer`); gRPC"
            + " (a 16-byte request echoed) calls a plaintext grpc-netty-shaded server (`GrpcEcho`). OkHttp with a pool of one"
            + " connection, Apache HttpClient 5 classic with a pooling manager of one connection, the JDK HttpClient (when measured)"
            + " over HTTP/1.1 with its own pool, gRPC with one channel.\n");
    for (LibraryResult r : results) {
      if (r.error != null) {
        md.append("\n**").append(r.library).append(" ").append(r.mode.label).append(" failed:** ")
            .append(r.error.replace('\n', ' ')).append("\n");
      }
    }
    return md.toString();
  }

  /** The medians of {@code figure} in each mode, joined by " / ". */
  private String each(String library, Function<LibraryResult, List<Double>> figure) {
    List<String> cells = new ArrayList<>();
    for (LibraryPair.Mode mode : options.modes()) {
      cells.add(micros(figure.apply(result(library, mode))));
    }
    return String.join(" / ", cells);
  }

  private String addedCpu(String library, LibraryPair.Mode mode) {
    List<Double> perRound = addedPerRound(library, mode, LibraryReport::cpu);
    return perRound.isEmpty() ? "–" : signed(LibraryResult.median(perRound));
  }

  void write() throws IOException {
    Files.writeString(file, markdown());
  }

  private static String micros(List<Double> values) {
    double median = LibraryResult.median(values);
    return Double.isNaN(median) ? "–" : String.format(Locale.ROOT, "%,.0f", median);
  }

  private static String signed(double value) {
    return String.format(Locale.ROOT, "%+.0f", value);
  }

  /** The 1, 5 and 15 minute load averages, from /proc/loadavg. */
  static String loadAverage() {
    try {
      String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return fields[0] + ", " + fields[1] + ", " + fields[2];
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }

  private static String machine() {
    String cpu = "unknown CPU";
    String memory = "";
    try {
      cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name")).findFirst()
          .map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse(cpu);
      memory = Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemTotal")).findFirst()
          .map(l -> String.format(Locale.ROOT, ", %.1f GiB", Long.parseLong(l.replaceAll("\\D", "")) / 1024.0 / 1024.0)).orElse("");
    } catch (IOException | RuntimeException e) {
      // described as unknown
    }
    return Runtime.getRuntime().availableProcessors() + " cores (" + cpu + ")" + memory + ", Java " + System.getProperty("java.version");
  }

  /** How both agents sampled: the default, or {@code --sample-ratio}. */
  private String sampling() {
    return options.sampleRatio() == null
        ? "every request sampled"
        : "new traces sampled at a ratio of " + options.sampleRatio() + " (`OTEL_TRACES_SAMPLER=parentbased_traceidratio`), the server following the client's decision";
  }
}
