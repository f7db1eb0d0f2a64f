package dev.skein.it.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Everything measured for one scenario, summed over the rounds: latency histograms (per fixed
 * rate, and for sequential requests) are added together; per-round figures are kept as lists and
 * reported as their median.
 */
final class ScenarioResult {
  final String id;
  final String label;
  final String notes;
  String skipped;
  String error;
  final Map<Integer, Histogram> openLatency = new TreeMap<>();
  final Histogram sequential = newHistogram();
  final List<Double> lagMicros = new ArrayList<>();
  final List<Double> throughput = new ArrayList<>();
  final List<Double> clientCpuMicros = new ArrayList<>();
  final List<Double> serverCpuMicros = new ArrayList<>();
  final List<Double> proxyCpuMicros = new ArrayList<>();
  final List<Double> clientRssMib = new ArrayList<>();
  final List<Double> clientHwmMib = new ArrayList<>();
  final List<Double> serverRssMib = new ArrayList<>();
  final List<Double> proxyRssMib = new ArrayList<>();
  /** Time to first response; for a scenario with an agent cache, on a restart (the cache filled by a first start). */
  final List<Double> firstRequestMillis = new ArrayList<>();
  /** Time to first response on a first start with an empty agent cache; empty for a scenario without one. */
  final List<Double> firstStartMillis = new ArrayList<>();
  final List<Double> policyApplyMillis = new ArrayList<>();
  /** The agent's own account of the first-response JVM's start (its "start-up" log line), one per round. */
  final List<String> agentStartupPhases = new ArrayList<>();
  /** Time to first response on a first start: the restart's figure for a scenario without an agent cache. */
  double firstStartMedian() {
    return median(firstStartMillis.isEmpty() ? firstRequestMillis : firstStartMillis);
  }

  long requests;
  long failures;
  /** The gRPC pair: open-loop latency at the reference rate, CPU per call; why it did not run, or null. */
  final Histogram grpcLatency = newHistogram();
  final List<Double> grpcClientCpuMicros = new ArrayList<>();
  final List<Double> grpcServerCpuMicros = new ArrayList<>();
  final List<Double> grpcProxyCpuMicros = new ArrayList<>();
  String grpcError;
  long grpcRequests;
  long grpcFailures;
  // The first round's uncounted warm-up at the first rate (HTTP) and the reference rate (gRPC).
  long warmRequests;
  long warmFailures;
  long grpcWarmRequests;
  long grpcWarmFailures;
  boolean hasProxies;

  ScenarioResult(Scenario scenario) {
    this.id = scenario.id();
    this.label = scenario.label();
    this.notes = scenario.notes();
  }

  static Histogram newHistogram() {
    return new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
  }

  void addOpen(int rate, Histogram histogram) {
    openLatency.computeIfAbsent(rate, r -> newHistogram()).add(histogram);
  }

  /** True once the scenario ran and produced every figure the harness measures for it. */
  boolean producedNumbers() {
    return skipped == null && error == null && !openLatency.isEmpty()
        && openLatency.values().stream().allMatch(h -> h.getTotalCount() > 0)
        && sequential.getTotalCount() > 0 && !throughput.isEmpty() && !clientCpuMicros.isEmpty()
        && !clientRssMib.isEmpty() && !firstRequestMillis.isEmpty();
  }

  /** Latency at a percentile for one rate, in microseconds; NaN when not measured. */
  double latencyMicros(int rate, double percentile) {
    Histogram h = openLatency.get(rate);
    return h == null || h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(percentile) / 1000.0;
  }

  /** gRPC unary latency at a percentile, in microseconds; NaN when not measured. */
  double grpcMicros(double percentile) {
    return grpcLatency.getTotalCount() == 0 ? Double.NaN : grpcLatency.getValueAtPercentile(percentile) / 1000.0;
  }

  /** True once the gRPC pair ran and produced its figures. */
  boolean producedGrpcNumbers() {
    return grpcError == null && grpcLatency.getTotalCount() > 0 && !grpcClientCpuMicros.isEmpty();
  }

  double sequentialMicros(double percentile) {
    return sequential.getTotalCount() == 0 ? Double.NaN : sequential.getValueAtPercentile(percentile) / 1000.0;
  }

  static double median(List<Double> values) {
    if (values.isEmpty()) {
      return Double.NaN;
    }
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }

  static double percentile(List<Double> values, double percentile) {
    if (values.isEmpty()) {
      return Double.NaN;
    }
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    int index = (int) Math.ceil(percentile / 100.0 * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
  }
}
