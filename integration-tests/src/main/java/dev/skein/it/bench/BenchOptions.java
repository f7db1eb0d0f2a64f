package dev.skein.it.bench;

import java.util.Arrays;
import java.util.List;

/**
 * How long and how hard the benchmark runs. {@link #quick()} proves in about two minutes
 * that every scenario starts and produces numbers; {@link #full()} is for the published table.
 *
 * @param rates the fixed request rates of the open-loop phases, requests per second
 * @param openMillis how long each open-loop phase lasts
 * @param connections the closed-loop connections for maximum throughput
 * @param engineCounts how many watching engines the propagation figure is measured with
 * @param firstWarmMillis in the first round only, an uncounted open-loop phase at the first rate
 *     after the ramp, so that the latency rows are of warm JVMs (its failures are reported apart)
 * @param heap the Java heap of every scenario's application JVMs ({@code -Xms} and {@code -Xmx}),
 *     or {@code null} for the JVM's own sizing
 */
record BenchOptions(
    boolean quickMode,
    int rounds,
    List<Integer> rates,
    long openMillis,
    int warmRequests,
    long sequentialMillis,
    long closedMillis,
    int connections,
    List<Integer> engineCounts,
    int propagationPuts,
    List<String> scenarios,
    long firstWarmMillis,
    String heap) {

  /**
   * The same fixed heap for every application JVM: left to itself, G1 sizes the heap from the
   * machine's memory (1/64 to 1/4 of it) and grows it with the allocation rate, and the memory
   * rows measured that more than what a process holds. A service in a container runs with a set
   * heap.
   */
  static final String DEFAULT_HEAP = "256m";

  /**
   * JVM options of every application JVM beyond the heap. A quick run compiles with C1 alone
   * ({@code -XX:TieredStopAtLevel=1}): its twenty-odd JVMs start at once on the test machine's
   * two cores, where C2's compilations were a third of the run's CPU time (187 s against 134 s
   * for the whole run); its figures prove the harness, not the mesh's cost. A full run keeps the
   * JVM's tiered compilation.
   */
  List<String> applicationJvmArgs() {
    return quickMode ? List.of("-XX:TieredStopAtLevel=1") : List.of();
  }

  static BenchOptions quick() {
    return new BenchOptions(true, 1, List.of(500), 1_000, 100, 500, 500, 4, List.of(1, 10), 2, List.of(), 0, DEFAULT_HEAP);
  }

  static BenchOptions full() {
    return new BenchOptions(false, 5, List.of(500, 1000), 20_000, 3_000, 5_000, 10_000, 4, List.of(1, 100, 500), 10, List.of(), 20_000, DEFAULT_HEAP);
  }

  /**
   * {@code --quick}, then overrides: {@code --rounds N}, {@code --rates 500,1000},
   * {@code --seconds S} (each open-loop phase), {@code --engines 1,100,500},
   * {@code --scenarios baseline,skein-policy} (a subset; baseline is always kept),
   * {@code --heap 256m} (or {@code jvm}; see {@link #DEFAULT_HEAP}).
   */
  static BenchOptions parse(String... args) {
    List<String> list = Arrays.asList(args);
    BenchOptions o = list.contains("--quick") ? quick() : full();
    for (int i = 0; i < args.length; i++) {
      String value = i + 1 < args.length ? args[i + 1] : "";
      switch (args[i]) {
        case "--quick" -> {}
        case "--rounds" -> o = o.with(Integer.parseInt(value), o.rates, o.openMillis, o.engineCounts, o.scenarios);
        case "--rates" -> o = o.with(o.rounds, ints(value), o.openMillis, o.engineCounts, o.scenarios);
        case "--seconds" -> o = o.with(o.rounds, o.rates, (long) (Double.parseDouble(value) * 1000), o.engineCounts, o.scenarios);
        case "--engines" -> o = o.with(o.rounds, o.rates, o.openMillis, ints(value), o.scenarios);
        case "--scenarios" -> o = o.with(o.rounds, o.rates, o.openMillis, o.engineCounts, List.of(value.split(",")));
        case "--first-warm-seconds" -> o = new BenchOptions(o.quickMode, o.rounds, o.rates, o.openMillis, o.warmRequests,
            o.sequentialMillis, o.closedMillis, o.connections, o.engineCounts, o.propagationPuts, o.scenarios,
            (long) (Double.parseDouble(value) * 1000), o.heap);
        case "--heap" -> o = new BenchOptions(o.quickMode, o.rounds, o.rates, o.openMillis, o.warmRequests, o.sequentialMillis,
            o.closedMillis, o.connections, o.engineCounts, o.propagationPuts, o.scenarios, o.firstWarmMillis, heap(value));
        default -> {
          if (args[i].startsWith("--")) {
            throw new IllegalArgumentException("unknown option " + args[i]
                + " (known: --quick --rounds N --rates R,R --seconds S --engines N,N --scenarios a,b --first-warm-seconds S --heap SIZE|jvm)");
          }
          continue;
        }
      }
      if (!args[i].equals("--quick")) {
        i++;
      }
    }
    return o;
  }

  private BenchOptions with(int rounds, List<Integer> rates, long openMillis, List<Integer> engines, List<String> scenarios) {
    return new BenchOptions(quickMode, rounds, rates, openMillis, warmRequests, sequentialMillis, closedMillis, connections, engines,
        propagationPuts, scenarios, firstWarmMillis, heap);
  }

  /** {@code --heap}: a size as {@code -Xmx} takes it ({@code 256m}, {@code 1g}), or {@code jvm} for the JVM's own sizing. */
  private static String heap(String value) {
    if (value.equals("jvm")) {
      return null;
    }
    if (!value.matches("\\d+[kKmMgG]?")) {
      throw new IllegalArgumentException("--heap: expected a size such as 256m or 1g, or jvm, got \"" + value + "\"");
    }
    return value;
  }

  private static List<Integer> ints(String csv) {
    return Arrays.stream(csv.split(",")).map(String::trim).filter(s -> !s.isEmpty()).map(Integer::parseInt).toList();
  }

  boolean includes(String scenario) {
    return scenarios.isEmpty() || scenario.equals("baseline") || scenarios.contains(scenario);
  }

  /** The rate the latency targets are stated at (1,000/s), or the nearest one measured. */
  int referenceRate() {
    return rates.stream().min((a, b) -> Integer.compare(Math.abs(a - 1000), Math.abs(b - 1000))).orElseThrow();
  }
}
