package dev.skein.it.bench;

import java.util.Arrays;
import java.util.List;

/**
 * How long the per-library benchmark runs. {@link #quick()} proves that every library produces
 * numbers (a few hundred requests each, one round, no OpenTelemetry agent column: three JVM pairs
 * fewer in the test suite); {@link #full()} is for the published table.
 *
 * @param startWarm sequential requests each client sends once started, so that the JIT has settled
 * @param roundWarm sequential requests before each measured sample, not counted
 * @param sampleMillis how long each measured sample of sequential requests lasts
 * @param otel whether the OpenTelemetry Java agent runs as a third column
 */
record LibraryBenchOptions(
    boolean quickMode, int rounds, int startWarm, int roundWarm, long sampleMillis, List<String> libraries, boolean otel) {

  static LibraryBenchOptions quick() {
    return new LibraryBenchOptions(true, 1, 200, 50, 300, LibraryPair.LIBRARIES, false);
  }

  static LibraryBenchOptions full() {
    return new LibraryBenchOptions(false, 5, 5_000, 1_000, 5_000, LibraryPair.LIBRARIES, true);
  }

  /** The modes each library runs in, in the report's order. */
  List<LibraryPair.Mode> modes() {
    return otel ? List.of(LibraryPair.Mode.NONE, LibraryPair.Mode.OTEL, LibraryPair.Mode.SKEIN) : List.of(LibraryPair.Mode.NONE, LibraryPair.Mode.SKEIN);
  }

  /**
   * {@code --quick}, then overrides: {@code --rounds N}, {@code --seconds S} (each sample),
   * {@code --warm N} (at start), {@code --only okhttp,apache,grpc} (a subset), {@code --otel} or
   * {@code --no-otel} (the OpenTelemetry agent column; on unless quick).
   */
  static LibraryBenchOptions parse(String... args) {
    List<String> list = Arrays.asList(args);
    LibraryBenchOptions o = list.contains("--quick") ? quick() : full();
    for (int i = 0; i < args.length; i++) {
      String value = i + 1 < args.length ? args[i + 1] : "";
      switch (args[i]) {
        case "--quick", "--libraries" -> {
          continue;
        }
        case "--otel", "--no-otel" -> {
          o = new LibraryBenchOptions(o.quickMode, o.rounds, o.startWarm, o.roundWarm, o.sampleMillis, o.libraries, args[i].equals("--otel"));
          continue;
        }
        case "--rounds" ->
            o = new LibraryBenchOptions(o.quickMode, Integer.parseInt(value), o.startWarm, o.roundWarm, o.sampleMillis, o.libraries, o.otel);
        case "--seconds" ->
            o = new LibraryBenchOptions(
                o.quickMode, o.rounds, o.startWarm, o.roundWarm, (long) (Double.parseDouble(value) * 1000), o.libraries, o.otel);
        case "--warm" ->
            o = new LibraryBenchOptions(o.quickMode, o.rounds, Integer.parseInt(value), o.roundWarm, o.sampleMillis, o.libraries, o.otel);
        case "--only" -> {
          List<String> only = List.of(value.split(","));
          for (String library : only) {
            if (!LibraryPair.LIBRARIES.contains(library)) {
              throw new IllegalArgumentException("--only: unknown library " + library + " (known: " + LibraryPair.LIBRARIES + ")");
            }
          }
          o = new LibraryBenchOptions(o.quickMode, o.rounds, o.startWarm, o.roundWarm, o.sampleMillis, only, o.otel);
        }
        default -> throw new IllegalArgumentException(
            "unknown option " + args[i]
                + " (known: --libraries --quick --rounds N --seconds S --warm N --only okhttp,apache,grpc --otel --no-otel)");
      }
      i++;
    }
    return o;
  }
}
