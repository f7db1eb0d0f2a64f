package dev.skein.it.bench;

import dev.skein.it.support.EtcdServer;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The agent's per-request price for each client library: OkHttp, Apache HttpClient 5 (classic)
 * and gRPC unary, each as a client JVM and a server JVM without an agent, under the OpenTelemetry
 * Java agent on both (not in the quick mode) and under the Skein agent on both, all in one run.
 * Every pair starts once and warms up; then, round after round, each library's pairs take turns
 * (in an order that rotates from round to round) sending sequential requests over one
 * connection, so that the machine's noise falls on all of them. Writes
 * {@code integration-tests/target/bench/libraries.md}.
 *
 * <p>Run: {@code bin/bench --libraries [--quick] [options]} (see {@link LibraryBenchOptions#parse}).
 */
public final class LibraryBench {
  // Every client warms up at once (twelve to twenty-four JVMs on two cores, each compiling): minutes on a busy machine.
  private static final Duration START_WARM_TIMEOUT = Duration.ofMinutes(10);

  private final LibraryBenchOptions options;
  private final Progress progress = new Progress();

  private LibraryBench(LibraryBenchOptions options) {
    this.options = options;
  }

  public static void main(String[] args) throws Exception {
    LibraryReport report = run(args);
    System.out.println(report.markdown());
    System.out.println("written to " + report.file());
    System.exit(0);
  }

  /** Runs with {@code bin/bench --libraries}'s arguments and writes the report. */
  public static LibraryReport run(String... args) throws Exception {
    LibraryBenchOptions options = LibraryBenchOptions.parse(args);
    try (BenchWorkspace workspace = BenchWorkspace.open("skein-libbench", LibraryReport.class.getName(), LibraryResult.class.getName())) {
      return new LibraryBench(options).run(String.join(" ", args), workspace);
    }
  }

  /** A copy of the OpenTelemetry agent that the build downloads (see the pom), when that column runs. */
  private Path otelAgent(BenchWorkspace workspace) throws IOException {
    Path jar = RepoRoot.find().resolve("integration-tests/target/otel/opentelemetry-javaagent.jar");
    return options.otel() ? workspace.copyIfPresent(jar) : jar;
  }

  private LibraryReport run(String commandLine, BenchWorkspace workspace) throws Exception {
    Path reports = workspace.reports();
    String loadBefore = LibraryReport.loadAverage();
    long began = System.nanoTime();
    List<LibraryPair> pairs = new ArrayList<>();
    Map<LibraryPair, LibraryResult> results = new LinkedHashMap<>();
    Path otelAgent = otelAgent(workspace);
    try (EtcdServer etcd = EtcdServer.started();
        OtlpReceiver otlp = new OtlpReceiver();
        OtlpReceiver otelOtlp = new OtlpReceiver();
        OtlpReceiver beforeOtlp = new OtlpReceiver()) {
      for (String library : options.libraries()) {
        for (LibraryPair.Mode mode : options.modes()) {
          LibraryPair pair =
              new LibraryPair(
                  library, mode, etcd, mode == LibraryPair.Mode.OTEL ? otelOtlp : mode == LibraryPair.Mode.SKEIN_BEFORE ? beforeOtlp : otlp,
                  mode == LibraryPair.Mode.SKEIN_BEFORE ? options.skeinBefore() : otelAgent, options.sampleRatio());
          pairs.add(pair);
          results.put(pair, new LibraryResult(library, mode));
        }
      }
      try {
        startAll(pairs, results);
        // Round 0 (not in the quick mode) is measured like the others and thrown away: right after
        // the start-up warm-up, with six JVMs having warmed up at once, the JIT is still busy.
        for (int round = options.quickMode() ? 1 : 0; round <= options.rounds(); round++) {
          for (String library : options.libraries()) {
            // The order rotates each round (without, with; then with, without; or over three modes),
            // so that no mode always runs right after another library or another mode.
            List<LibraryPair> turn = new ArrayList<>(pairs.stream().filter(p -> p.library().equals(library)).toList());
            Collections.rotate(turn, round + 1);
            for (LibraryPair pair : turn) {
              LibraryResult result = results.get(pair);
              if (result.error == null) {
                LibraryResult target = round == 0 ? new LibraryResult(pair.library(), pair.mode()) : result;
                sample(pair, target, round == 0 ? "round 0 (not counted)" : "round " + round + "/" + options.rounds());
                result.error = target.error;
              }
            }
          }
        }
      } finally {
        progress.show("stopping");
        for (LibraryPair pair : pairs) {
          pair.close();
        }
        progress.done();
      }
      LibraryReport report =
          new LibraryReport(options, commandLine, new ArrayList<>(results.values()), otlp, otelOtlp, loadBefore, LibraryReport.loadAverage(),
              (System.nanoTime() - began) / 1e9, reports.resolve("libraries.md"));
      report.write();
      return report;
    }
  }

  /** Starts and warms every pair side by side: JVM starts dominate a quick run. */
  private void startAll(List<LibraryPair> pairs, Map<LibraryPair, LibraryResult> results) throws InterruptedException {
    ExecutorService starter = Executors.newCachedThreadPool();
    try {
      Map<LibraryPair, Future<?>> starts = new LinkedHashMap<>();
      for (LibraryPair pair : pairs) {
        progress.show("starting " + pair.id());
        starts.put(pair, starter.submit(() -> {
          pair.start();
          pair.client().warm(options.startWarm(), START_WARM_TIMEOUT);
          return null;
        }));
      }
      for (Map.Entry<LibraryPair, Future<?>> e : starts.entrySet()) {
        progress.show("warming up " + e.getKey().id());
        try {
          e.getValue().get(20, TimeUnit.MINUTES);
        } catch (ExecutionException | TimeoutException ex) {
          fail(e.getKey(), results.get(e.getKey()), "start", ex.getCause() != null ? ex.getCause() : ex);
        }
      }
    } finally {
      starter.shutdownNow();
    }
  }

  /** One measured sample: a short uncounted warm-up, then sequential requests for the sample's time. */
  private void sample(LibraryPair pair, LibraryResult result, String round) {
    try {
      progress.show(round + " · " + pair.id() + " · warm-up");
      pair.client().warm(options.roundWarm(), Duration.ofSeconds(60));
      progress.show(round + " · " + pair.id() + " · sequential requests");
      long clientCpu = ProcStat.cpuNanos(pair.clientPid());
      long serverCpu = ProcStat.cpuNanos(pair.serverPid());
      LoadDriver.Phase phase = pair.client().closed(1, options.sampleMillis());
      long sent = phase.ok() + phase.failed();
      result.requests += sent;
      result.failures += phase.failed();
      if (phase.ok() == 0) {
        throw new IllegalStateException("no request succeeded: " + phase.lastError());
      }
      if (phase.failed() > 0) {
        progress.note(pair.id() + ": " + phase.failed() + " of " + sent + " requests failed, the last: " + phase.lastError());
      }
      result.clientCpu.add((ProcStat.cpuNanos(pair.clientPid()) - clientCpu) / 1000.0 / sent);
      result.serverCpu.add((ProcStat.cpuNanos(pair.serverPid()) - serverCpu) / 1000.0 / sent);
      result.p50.add(phase.histogram().getValueAtPercentile(50) / 1000.0);
      result.p90.add(phase.histogram().getValueAtPercentile(90) / 1000.0);
      result.p99.add(phase.histogram().getValueAtPercentile(99) / 1000.0);
    } catch (Exception | AssertionError e) {
      fail(pair, result, round, e);
    }
  }

  private void fail(LibraryPair pair, LibraryResult result, String stage, Throwable e) {
    result.error = stage + " (" + pair.processState() + "): " + e;
    progress.note(pair.id() + " failed at " + stage + ": " + e.getMessage() + "\n" + pair.logs());
  }
}
