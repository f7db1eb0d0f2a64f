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

/** {@code libraries.md}: each library's latency and CPU per request without and with the agent. */
public final class LibraryReport {
  /** The target: what the agent may add at the median, per library. */
  static final double TARGET_ADDED_P50_MICROS = 20;

  private final LibraryBenchOptions options;
  private final String commandLine;
  private final List<LibraryResult> results;
  private final OtlpReceiver otlp;
  private final String loadBefore;
  private final String loadAfter;
  private final double seconds;
  private final Path file;
  private final ZonedDateTime written = ZonedDateTime.now(ZoneOffset.UTC);

  LibraryReport(
      LibraryBenchOptions options, String commandLine, List<LibraryResult> results, OtlpReceiver otlp, String loadBefore,
      String loadAfter, double seconds, Path file) {
    this.options = options;
    this.commandLine = commandLine;
    this.results = results;
    this.otlp = otlp;
    this.loadBefore = loadBefore;
    this.loadAfter = loadAfter;
    this.seconds = seconds;
    this.file = file;
  }

  public Path file() {
    return file;
  }

  /** Per library and mode ("okhttp without", "okhttp with"): null when it produced numbers without a failed request, else why not. */
  public Map<String, String> outcomes() {
    Map<String, String> outcomes = new LinkedHashMap<>();
    for (LibraryResult r : results) {
      String problem = r.error;
      if (problem == null && r.p50.isEmpty()) {
        problem = "no numbers";
      } else if (problem == null && r.failures > 0) {
        problem = r.failures + " of " + r.requests + " requests failed";
      }
      outcomes.put(r.library + (r.agent ? " with" : " without"), problem);
    }
    return outcomes;
  }

  /** Per library, the median over rounds of (p50 with the agent − p50 without), in µs; absent when either failed. */
  public Map<String, Double> addedP50Micros() {
    Map<String, Double> added = new LinkedHashMap<>();
    for (String library : options.libraries()) {
      List<Double> perRound = addedPerRound(library);
      if (!perRound.isEmpty()) {
        added.put(library, LibraryResult.median(perRound));
      }
    }
    return added;
  }

  private List<Double> addedPerRound(String library) {
    LibraryResult without = result(library, false);
    LibraryResult with = result(library, true);
    List<Double> added = new ArrayList<>();
    if (without.error != null || with.error != null || without.p50.size() != with.p50.size()) {
      return added;
    }
    for (int i = 0; i < with.p50.size(); i++) {
      added.add(with.p50.get(i) - without.p50.get(i));
    }
    return added;
  }

  private LibraryResult result(String library, boolean agent) {
    return results.stream().filter(r -> r.library.equals(library) && r.agent == agent).findFirst().orElseThrow();
  }

  public String markdown() {
    StringBuilder md = new StringBuilder();
    md.append("# Per-library overhead of the Skein agent\n\n");
    String started = written.minusSeconds((long) seconds).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'"));
    md.append("Run started ").append(started).append(": `bin/bench ").append(commandLine.isBlank() ? "--libraries" : commandLine).append("`, ")
        .append(machine()).append("; load average (1, 5, 15 min) ").append(loadBefore).append(" at the start, ").append(loadAfter)
        .append(" at the end; took ").append(String.format(Locale.ROOT, "%.0f s", seconds)).append(".\n\n");
    md.append(String.format(Locale.ROOT,
        "Settings: %d round(s); each client warmed up with %,d sequential requests once started and %,d more before each sample;"
            + " each sample is %.1f s of sequential requests over one connection (one channel); within a round each library's"
            + " two pairs run one after the other (without, with; the next round with, without).%s\n\n",
        options.rounds(), options.startWarm(), options.roundWarm(), options.sampleMillis() / 1000.0,
        options.quickMode()
            ? " Quick mode: proves that every library produces numbers; the figures mean little."
            : " A first round (round 0) runs the same way and is not counted: right after start-up the JIT is still busy."));
    md.append("| library | p50 without (µs) | p50 with (µs) | added at p50 (µs) | p90 without / with (µs) | p99 without / with (µs)"
        + " | client CPU per request without / with (µs) | server CPU per request without / with (µs) | requests failed / sent"
        + " | target: < 20 µs added at p50 |\n");
    md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
    for (String library : options.libraries()) {
      LibraryResult without = result(library, false);
      LibraryResult with = result(library, true);
      Double added = addedP50Micros().get(library);
      md.append("| ").append(LibraryPair.label(library))
          .append(" | ").append(micros(without.p50))
          .append(" | ").append(micros(with.p50))
          .append(" | ").append(added == null ? "–" : signed(added))
          .append(" | ").append(micros(without.p90)).append(" / ").append(micros(with.p90))
          .append(" | ").append(micros(without.p99)).append(" / ").append(micros(with.p99))
          .append(" | ").append(micros(without.clientCpu)).append(" / ").append(micros(with.clientCpu))
          .append(" | ").append(micros(without.serverCpu)).append(" / ").append(micros(with.serverCpu))
          .append(" | ").append(without.failures + with.failures).append(" / ").append(without.requests + with.requests)
          .append(" | ").append(added == null ? "not measured" : Math.round(added) < TARGET_ADDED_P50_MICROS ? "met" : "**not met**")
          .append(" |\n");
    }
    md.append("\nCells: the median over rounds of each round's percentile (or CPU). \"Added at p50\" is the median over rounds of"
        + " (p50 with − p50 without) in the same round, so it need not equal the difference of the two medians beside it;"
        + " per round:");
    for (String library : options.libraries()) {
      md.append(" ").append(library).append(" ").append(addedPerRound(library).stream().map(LibraryReport::signed).toList());
    }
    md.append(". Latency is closed loop: one thread sends the next request when the last response has been read in full,"
        + " timed in the client around the library's call. CPU is user+system time of the client and the server process from"
        + " /proc/PID/stat over the sample, divided by the requests sent (the agent's background work counts; /proc counts in"
        + " 10 ms ticks).\n\n");
    md.append("Without the agent: plain JVMs, the client calls the server's loopback address (`http://127.0.0.1:PORT/bench`,"
        + " `forTarget(\"127.0.0.1:PORT\")`). With the agent: the Skein agent on the client and the server, no policies, the client"
        + " calls the service by name (`http://echo/bench`, `forTarget(\"echo\")`), resolved from the server's registration in a"
        + " real etcd started by the harness; telemetry as in the bench's \"Skein, telemetry only\" scenario (every request"
        + " traced with the default sampler, spans and metrics over OTLP/HTTP to a loopback receiver, metrics every 10 s; the"
        + " receiver got ").append(otlp.requests("traces")).append(" trace and ").append(otlp.requests("metrics"))
        .append(" metric exports). HTTP clients (a GET, a 2-byte answer) call a JDK `HttpServer` (`EchoServer`); gRPC"
            + " (a 16-byte request echoed) calls a plaintext grpc-netty-shaded server (`GrpcEcho`). OkHttp with a pool of one"
            + " connection, Apache HttpClient 5 classic with a pooling manager of one connection, gRPC with one channel.\n");
    for (LibraryResult r : results) {
      if (r.error != null) {
        md.append("\n**").append(r.library).append(r.agent ? " with the agent" : " without").append(" failed:** ")
            .append(r.error.replace('\n', ' ')).append("\n");
      }
    }
    return md.toString();
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
}
