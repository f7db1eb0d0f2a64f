package dev.skein.it.bench;

import java.nio.file.Path;
import java.util.ArrayList;
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
 * @param skeinBefore an earlier build of the Skein agent's jar to run as a column of its own, or null
 * @param sampleRatio the ratio at which both agents sample new traces, or null for every request (both agents' default)
 */
record LibraryBenchOptions(
    boolean quickMode, int rounds, int startWarm, int roundWarm, long sampleMillis, List<String> libraries, boolean otel, Path skeinBefore,
    Double sampleRatio) {

  static LibraryBenchOptions quick() {
    return new LibraryBenchOptions(true, 1, 200, 50, 300, LibraryPair.LIBRARIES, false, null, null);
  }

  static LibraryBenchOptions full() {
    return new LibraryBenchOptions(false, 5, 5_000, 1_000, 5_000, LibraryPair.LIBRARIES, true, null, null);
  }

  /** The modes each library runs in, in the report's order. */
  List<LibraryPair.Mode> modes() {
    List<LibraryPair.Mode> modes = new ArrayList<>(List.of(LibraryPair.Mode.NONE));
    if (otel) {
      modes.add(LibraryPair.Mode.OTEL);
    }
    if (skeinBefore != null) {
      modes.add(LibraryPair.Mode.SKEIN_BEFORE);
    }
    modes.add(LibraryPair.Mode.SKEIN);
    return modes;
  }

  /**
   * {@code --quick}, then overrides: {@code --rounds N}, {@code --seconds S} (each sample),
   * {@code --warm N} (at start), {@code --only okhttp,apache,grpc,jdk} (a subset; {@code jdk},
   * the JDK HttpClient, only when named), {@code --otel} or {@code --no-otel} (the OpenTelemetry
   * agent column; on unless quick), {@code --skein-before JAR} (an earlier build of the agent as a
   * column of its own), {@code --sample-ratio R} (both agents sample new traces at ratio R instead
   * of every request).
   */
  static LibraryBenchOptions parse(String... args) {
    LibraryBenchOptions base = Arrays.asList(args).contains("--quick") ? quick() : full();
    int rounds = base.rounds;
    int startWarm = base.startWarm;
    long sampleMillis = base.sampleMillis;
    List<String> libraries = base.libraries;
    boolean otel = base.otel;
    Path skeinBefore = base.skeinBefore;
    Double sampleRatio = base.sampleRatio;
    for (int i = 0; i < args.length; i++) {
      String value = i + 1 < args.length ? args[i + 1] : "";
      switch (args[i]) {
        case "--quick", "--libraries" -> {
          continue;
        }
        case "--otel", "--no-otel" -> {
          otel = args[i].equals("--otel");
          continue;
        }
        case "--rounds" -> rounds = Integer.parseInt(value);
        case "--seconds" -> sampleMillis = (long) (Double.parseDouble(value) * 1000);
        case "--warm" -> startWarm = Integer.parseInt(value);
        case "--only" -> {
          libraries = List.of(value.split(","));
          for (String library : libraries) {
            if (!LibraryPair.LIBRARIES.contains(library) && !LibraryPair.OPTIONAL_LIBRARIES.contains(library)) {
              throw new IllegalArgumentException(
                  "--only: unknown library " + library + " (known: " + LibraryPair.LIBRARIES + " and " + LibraryPair.OPTIONAL_LIBRARIES + ")");
            }
          }
        }
        case "--skein-before" -> skeinBefore = Path.of(value).toAbsolutePath();
        case "--sample-ratio" -> {
          sampleRatio = Double.parseDouble(value);
          if (!(sampleRatio >= 0 && sampleRatio <= 1)) {
            throw new IllegalArgumentException("--sample-ratio: " + value + " is not between 0 and 1");
          }
        }
        default -> throw new IllegalArgumentException(
            "unknown option " + args[i]
                + " (known: --libraries --quick --rounds N --seconds S --warm N --only okhttp,apache,grpc,jdk --otel --no-otel"
                + " --skein-before JAR --sample-ratio R)");
      }
      i++;
    }
    return new LibraryBenchOptions(base.quickMode, rounds, startWarm, base.roundWarm, sampleMillis, libraries, otel, skeinBefore, sampleRatio);
  }
}
