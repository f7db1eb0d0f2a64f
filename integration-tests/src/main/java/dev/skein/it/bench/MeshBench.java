package dev.skein.it.bench;

import dev.skein.it.support.Directories;
import dev.skein.it.support.EtcdServer;
import dev.skein.it.support.MeshJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
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
 * The price of the mesh, side by side in one run: the same JDK HTTP server and
 * {@code java.net.http} client (and a grpc-java unary client and server, {@link GrpcLoadGenerator} and
 * {@link GrpcEcho}, measured in one open-loop phase per round) without an agent, under the OpenTelemetry Java agent, under
 * Skein (discovery only, then with the policy that exists today), and behind a pair of nginx
 * sidecars with mutual TLS. Scenarios run interleaved (A B C D E A B C D E ...) so that the
 * machine's noise falls on all alike. Writes {@code integration-tests/target/bench/report.md}
 * and {@code report.png} under the repository root.
 *
 * <p>Run: {@code bin/bench [--quick] [options]} (see {@link BenchOptions#parse}).
 */
public final class MeshBench {
  private final BenchOptions options;
  private final Progress progress;

  private MeshBench(BenchOptions options) {
    this.options = options;
    this.progress = new Progress();
  }

  public static void main(String[] args) throws Exception {
    BenchReport report = run(args);
    System.out.println(report.markdown());
    System.out.println("written to " + report.markdownFile() + " and " + report.chartFile());
    System.exit(0);
  }

  /** Runs the benchmark with {@code bin/bench}'s arguments and writes the report. */
  public static BenchReport run(String... args) throws Exception {
    return run(BenchOptions.parse(args), String.join(" ", args));
  }

  private static BenchReport run(BenchOptions options, String commandLine) throws Exception {
    try (BenchWorkspace workspace = BenchWorkspace.open("skein-bench", ScenarioRound.class.getName())) {
      return new MeshBench(options).run(commandLine, workspace);
    }
  }

  private BenchReport run(String commandLine, BenchWorkspace workspace) throws Exception {
    HarnessClasses.applicationOptions(options);
    Path otelAgent = RepoRoot.find().resolve("integration-tests/target/otel/opentelemetry-javaagent.jar");
    long began = System.nanoTime();
    try (EtcdServer etcd = EtcdServer.started();
        OtlpReceiver otlp = new OtlpReceiver();
        OtlpReceiver skeinOtlp = new OtlpReceiver();
        OtlpReceiver policyOtlp = new OtlpReceiver()) {
      List<Scenario> scenarios = new ArrayList<>();
      scenarios.add(new BaselineScenario());
      scenarios.add(new OtelScenario(workspace.copyIfPresent(otelAgent), otlp));
      scenarios.add(SkeinScenario.telemetryOnly(etcd, skeinOtlp));
      // A receiver of its own: the telemetry-only scenario's export volume is compared with the OpenTelemetry agent's.
      scenarios.add(SkeinScenario.fullPolicy(etcd, policyOtlp));
      scenarios.add(new NginxSidecarScenario(Files.createDirectories(workspace.work().resolve("nginx"))));
      scenarios.removeIf(s -> !options.includes(s.id()));

      Map<Scenario, ScenarioResult> results = new LinkedHashMap<>();
      Map<Scenario, Drivers> drivers = new LinkedHashMap<>();
      Map<Scenario, Future<Drivers>> starts = new LinkedHashMap<>();
      ExecutorService starter = Executors.newCachedThreadPool();
      try {
        for (Scenario scenario : scenarios) {
          ScenarioResult result = new ScenarioResult(scenario);
          results.put(scenario, result);
          result.skipped = scenario.skipReason();
          if (result.skipped != null) {
            progress.note("skipped " + scenario.id() + ": " + result.skipped);
            continue;
          }
          progress.show("starting " + scenario.label());
          // Started side by side: JVM starts (the OpenTelemetry agent's above all) dominate a quick run.
          starts.put(scenario, starter.submit(() -> {
            scenario.start();
            // The two clients' JVMs start side by side, then each is waited for.
            MeshJvm grpcClient = launchGrpc(scenario, result);
            LoadDriver driver = null;
            try {
              driver = LoadDriver.start(scenario);
              driver.warm(options.warmRequests(), Duration.ofSeconds(120)); // every scenario warms at once, on shared cores
            } catch (Exception | AssertionError e) {
              if (driver != null) {
                driver.close();
              }
              if (grpcClient != null) {
                grpcClient.close();
              }
              throw e;
            }
            Drivers started = new Drivers(driver, startGrpc(grpcClient, result));
            progress.show("ready: " + scenario.label());
            return started;
          }));
        }
        for (Map.Entry<Scenario, Future<Drivers>> e : starts.entrySet()) {
          try {
            drivers.put(e.getKey(), e.getValue().get(5, TimeUnit.MINUTES));
          } catch (ExecutionException | TimeoutException ex) {
            fail(results.get(e.getKey()), "start (" + e.getKey().processState() + ")", ex.getCause() != null ? ex.getCause() : ex);
          }
        }
        starter.shutdown();
        // Each first-response JVM's stderr (the agent's log): what the start-up row's phases come from.
        Path logs = workspace.reports().resolve("first-response-logs");
        if (Files.exists(logs)) {
          Directories.delete(logs);
        }
        Files.createDirectories(logs);
        for (int round = 1; round <= options.rounds(); round++) {
          for (Map.Entry<Scenario, Drivers> e : drivers.entrySet()) {
            ScenarioResult result = results.get(e.getKey());
            if (result.error == null) {
              try {
                new ScenarioRound(options, e.getKey(), e.getValue().http(), e.getValue().grpc(), result, progress,
                        round, options.rounds(), logs)
                    .run();
              } catch (Exception | AssertionError ex) {
                fail(result, "round " + round + " (" + e.getKey().processState() + ")", ex);
              }
            }
          }
        }
      } finally {
        starter.shutdownNow();
        progress.show("stopping");
        closeAll(new ArrayList<AutoCloseable>(drivers.values()));
        closeAll(new ArrayList<AutoCloseable>(scenarios));
      }

      List<PropagationBench.Result> propagation = new ArrayList<>();
      List<String> propagationErrors = new ArrayList<>();
      for (int engines : options.engineCounts()) {
        progress.show("policy propagation to " + engines + " engine(s)");
        try {
          propagation.add(PropagationBench.run(etcd, engines, options.propagationPuts()));
        } catch (Exception e) {
          propagationErrors.add(engines + " engines: " + e.getMessage());
          progress.note("propagation to " + engines + " engines failed: " + e.getMessage());
        }
      }
      progress.done();
      BenchReport report =
          new BenchReport(options, commandLine, new ArrayList<>(results.values()), propagation, propagationErrors,
              Map.of("otel", otlp, "skein-telemetry", skeinOtlp, "skein-policy", policyOtlp),
              (System.nanoTime() - began) / 1e9, workspace.reports().resolve("report.md"), workspace.reports().resolve("report.png"));
      report.write();
      return report;
    }
  }

  /** Starts the scenario's gRPC client JVM without waiting for it, or returns null when the scenario has no gRPC pair. */
  private MeshJvm launchGrpc(Scenario scenario, ScenarioResult result) throws Exception {
    if (scenario.grpcTarget() == null) {
      result.grpcError = "no gRPC pair in this scenario";
      return null;
    }
    return LoadDriver.launchGrpc(scenario);
  }

  /**
   * Waits for the gRPC client {@link #launchGrpc} started and warms it up; a failure is the gRPC
   * pair's alone (noted in the result), the HTTP pair still runs. Null when the scenario has no
   * gRPC pair or it failed.
   */
  private LoadDriver startGrpc(MeshJvm grpcClient, ScenarioResult result) throws InterruptedException {
    if (grpcClient == null) {
      return null;
    }
    LoadDriver grpc = null;
    try {
      grpc = LoadDriver.attach(grpcClient, Scenario.START_TIMEOUT);
      grpc.warm(Math.max(1, options.warmRequests() / 5), Duration.ofSeconds(120));
      return grpc;
    } catch (Exception | AssertionError e) {
      result.grpcError = "start: " + e;
      progress.note(result.id + ": the gRPC pair failed to start: " + e.getMessage());
      grpcClient.close();
      return null;
    }
  }

  /** A scenario's two clients: the HTTP one and the gRPC one (null without a gRPC pair). */
  private record Drivers(LoadDriver http, LoadDriver grpc) implements AutoCloseable {
    @Override
    public void close() throws InterruptedException {
      if (grpc != null) {
        grpc.close();
      }
      http.close();
    }
  }

  /** Closes side by side: a JVM may take seconds to run its shutdown hooks. */
  private static void closeAll(List<AutoCloseable> closeables) throws InterruptedException {
    List<Thread> threads = new ArrayList<>();
    for (AutoCloseable c : closeables) {
      Thread t = new Thread(() -> {
        try {
          c.close();
        } catch (Exception e) {
          // best effort: the process is killed at worst
        }
      }, "bench-close");
      t.start();
      threads.add(t);
    }
    for (Thread t : threads) {
      t.join();
    }
  }

  private void fail(ScenarioResult result, String stage, Throwable e) {
    result.error = stage + ": " + e;
    progress.note(result.id + " failed at " + stage + ": " + e.getMessage());
  }

  /** One scenario's share of one round. */
  private record ScenarioRound(
      BenchOptions options, Scenario scenario, LoadDriver driver, LoadDriver grpc, ScenarioResult result, Progress progress,
      int number, int rounds, Path logs) {

    private String round() {
      return "round " + number + "/" + rounds;
    }

    private boolean first() {
      return number == 1;
    }

    void run() throws Exception {
      step("time to first request");
      if (scenario.hasAgentCache()) {
        // A first start fills a fresh cache; a second JVM with it is a restart.
        Path cache = Files.createTempDirectory("skein-bench-agent-cache");
        try {
          result.firstStartMillis.add(firstRequestMillis(cache, "first start: "));
          result.firstRequestMillis.add(firstRequestMillis(cache, "restart: "));
        } finally {
          Directories.delete(cache);
        }
      } else {
        result.firstRequestMillis.add(firstRequestMillis(null, ""));
      }
      step("warm-up");
      driver.warm(Math.max(1, options.warmRequests() / 5), Duration.ofSeconds(30));
      int firstRate = options.rates().get(0);
      rampUp(driver, firstRate, "requests");
      LoadDriver.Phase warm = firstRoundWarmUp(driver, firstRate, "requests");
      if (warm != null) {
        result.warmRequests += warm.ok() + warm.failed();
        result.warmFailures += warm.failed();
      }

      List<Long> client = List.of(driver.pid());
      List<Long> servers = scenario.serverPids();
      List<Long> proxies = scenario.proxyPids();
      result.hasProxies = !proxies.isEmpty();
      long clientCpu = ProcStat.cpuNanos(client);
      long serverCpu = ProcStat.cpuNanos(servers);
      long proxyCpu = ProcStat.cpuNanos(proxies);
      long sent = 0;
      for (int rate : options.rates()) {
        step("open loop " + rate + "/s");
        LoadDriver.Phase phase = driver.open(rate, options.openMillis());
        check(phase);
        result.addOpen(rate, phase.histogram());
        result.lagMicros.add(phase.lagP50Nanos() / 1000.0);
        sent += phase.ok() + phase.failed();
      }
      result.clientCpuMicros.add((ProcStat.cpuNanos(client) - clientCpu) / 1000.0 / sent);
      result.serverCpuMicros.add((ProcStat.cpuNanos(servers) - serverCpu) / 1000.0 / sent);
      result.proxyCpuMicros.add((ProcStat.cpuNanos(proxies) - proxyCpu) / 1000.0 / sent);
      if (grpc != null && result.grpcError == null) {
        try {
          grpcPhase(proxies);
        } catch (Exception | AssertionError ex) {
          result.grpcError = round() + ": " + ex;
          progress.note(result.id + ": the gRPC pair failed in " + round() + ": " + ex.getMessage());
        }
      }

      step("sequential requests");
      LoadDriver.Phase sequential = driver.closed(1, options.sequentialMillis());
      check(sequential);
      result.sequential.add(sequential.histogram());
      step("maximum throughput, " + options.connections() + " connections");
      LoadDriver.Phase closed = driver.closed(options.connections(), options.closedMillis());
      check(closed);
      result.throughput.add(closed.perSecond());

      result.clientRssMib.add(ProcStat.statusKib(client, "VmRSS") / 1024.0);
      result.clientHwmMib.add(ProcStat.statusKib(client, "VmHWM") / 1024.0);
      result.serverRssMib.add(servers.stream().mapToLong(p -> ProcStat.statusKib(p, "VmRSS")).max().orElse(0) / 1024.0);
      if (!proxies.isEmpty()) {
        result.proxyRssMib.add(ProcStat.statusKib(scenario.proxyPids(), "VmRSS") / 1024.0);
      }
      step("policy put to applied");
      Double apply = scenario.policyApplyMillis(driver.jvm());
      if (apply != null) {
        result.policyApplyMillis.add(apply);
      }
    }

    /**
     * Uncounted open-loop seconds ramping up to {@code rate} (an eighth, a quarter, a half, all of
     * it): the client opens the connections that rate needs now, a few at a time, so that the
     * measured phase does not start with a burst of new connections. With mutual TLS a burst of
     * cold handshakes (crypto code not yet compiled) can take longer than the client's connect
     * timeout, and the failures open the circuit breaker. The same ramp for every scenario.
     */
    private void rampUp(LoadDriver load, int rate, String what) throws Exception {
      long stepMillis = options.quickMode() ? 250 : 1000; // the quick mode only proves that it runs
      for (int divisor : new int[] {8, 4, 2, 1}) {
        LoadDriver.Phase ramp = load.open(Math.max(1, rate / divisor), stepMillis);
        if (ramp.failed() > 0) {
          progress.note(result.id + ": " + ramp.failed() + " of " + (ramp.ok() + ramp.failed()) + " " + what
              + " failed while ramping up to " + rate + "/s (at " + rate / divisor + "/s; not counted), the last: " + ramp.lastError());
        }
      }
    }

    /**
     * In the first round, an uncounted phase at the measured rate: the JVMs have just started, and
     * the JIT is still compiling the code the load runs through (more of it under an agent, most
     * under mutual TLS), so without it the first round measures warm-up, not the steady state the
     * later rounds show. Its failures are reported on a row of their own.
     *
     * @return the phase, or {@code null} when it is not run
     */
    private LoadDriver.Phase firstRoundWarmUp(LoadDriver load, int rate, String what) throws Exception {
      if (!first() || options.firstWarmMillis() <= 0) {
        return null;
      }
      step(what + " at " + rate + "/s, first-round warm-up (not counted)");
      LoadDriver.Phase warm = load.open(rate, options.firstWarmMillis());
      if (warm.failed() > 0) {
        progress.note(result.id + ": " + warm.failed() + " of " + (warm.ok() + warm.failed()) + " " + what
            + " failed in the first round's warm-up at " + rate + "/s (not counted), the last: " + warm.lastError());
      }
      return warm;
    }

    /**
     * The gRPC pair's share of the round: a short warm-up, then one open-loop phase at the reference
     * rate, as long as each HTTP one, with the CPU of the gRPC client, servers and proxies over it.
     */
    private void grpcPhase(List<Long> proxies) throws Exception {
      step("gRPC warm-up");
      grpc.warm(Math.max(1, options.warmRequests() / 5), Duration.ofSeconds(30));
      int rate = options.referenceRate();
      rampUp(grpc, rate, "gRPC calls");
      LoadDriver.Phase warm = firstRoundWarmUp(grpc, rate, "gRPC calls");
      if (warm != null) {
        result.grpcWarmRequests += warm.ok() + warm.failed();
        result.grpcWarmFailures += warm.failed();
      }
      List<Long> client = List.of(grpc.pid());
      List<Long> servers = scenario.grpcServerPids();
      long clientCpu = ProcStat.cpuNanos(client);
      long serverCpu = ProcStat.cpuNanos(servers);
      long proxyCpu = ProcStat.cpuNanos(proxies);
      step("gRPC open loop " + rate + "/s");
      LoadDriver.Phase phase = grpc.open(rate, options.openMillis());
      long sent = phase.ok() + phase.failed();
      result.grpcRequests += sent;
      result.grpcFailures += phase.failed();
      if (phase.ok() == 0) {
        throw new IllegalStateException("no gRPC call succeeded: " + phase.lastError() + "\nclient log:\n" + grpc.jvm().agentLog());
      }
      if (phase.failed() > 0) {
        progress.note(result.id + ": " + phase.failed() + " of " + sent + " gRPC calls failed, the last: " + phase.lastError());
      }
      result.grpcLatency.add(phase.histogram());
      result.grpcClientCpuMicros.add((ProcStat.cpuNanos(client) - clientCpu) / 1000.0 / sent);
      result.grpcServerCpuMicros.add((ProcStat.cpuNanos(servers) - serverCpu) / 1000.0 / sent);
      result.grpcProxyCpuMicros.add((ProcStat.cpuNanos(proxies) - proxyCpu) / 1000.0 / sent);
    }

    private void check(LoadDriver.Phase phase) {
      result.requests += phase.ok() + phase.failed();
      result.failures += phase.failed();
      if (phase.ok() == 0) {
        throw new IllegalStateException("no request succeeded: " + phase.lastError() + "\nclient log:\n" + driver.jvm().agentLog());
      }
      if (phase.failed() > 0) {
        progress.note(result.id + ": " + phase.failed() + " of " + (phase.ok() + phase.failed()) + " requests failed, the last: "
            + phase.lastError());
      }
    }

    /** The agent's INFO line at its first request: when each step of its start was done. */
    private static final String STARTUP_LINE = "start-up (ms since premain):";

    /** One fresh JVM's start to its first response; {@code agentCache}, when not null, is its {@code skein.cache.dir}. */
    private double firstRequestMillis(Path agentCache, String phasesLabel) throws Exception {
      MeshJvm.Builder builder = scenario.clientJvm("first");
      if (agentCache != null) {
        builder.property("skein.cache.dir", agentCache.toString());
      }
      long start = System.nanoTime();
      try (MeshJvm jvm = builder.start("dev.skein.it.apps.FirstRequest", scenario.url())) {
        String line = jvm.awaitLineStartingWith("first-response", Duration.ofSeconds(60));
        long elapsed = System.nanoTime() - start;
        if (!line.startsWith("first-response 200")) {
          throw new IllegalStateException("first request: " + line + "\n" + jvm.agentLog());
        }
        // The app exits after its response; its stderr is read to the end once it has.
        jvm.process().waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
        Thread.sleep(100);
        String kind = phasesLabel.isEmpty() ? "start" : phasesLabel.replace(": ", "").replace(' ', '-');
        Files.writeString(logs.resolve(scenario.id() + "-round" + number + "-" + kind + ".log"), jvm.agentLog());
        jvm.agentLog().lines()
            .filter(l -> l.contains(STARTUP_LINE))
            .findFirst()
            .ifPresent(l -> result.agentStartupPhases.add(phasesLabel + l.substring(l.indexOf(STARTUP_LINE) + STARTUP_LINE.length()).trim()));
        return elapsed / 1e6;
      }
    }

    private void step(String what) {
      progress.show(round() + " · " + scenario.id() + " · " + what);
    }
  }
}
