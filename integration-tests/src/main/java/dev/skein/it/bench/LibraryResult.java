package dev.skein.it.bench;

import java.util.ArrayList;
import java.util.List;

/** One library's figures in one mode (no agent, OpenTelemetry agent, Skein), one entry per round; latencies in µs. */
final class LibraryResult {
  final String library;
  final LibraryPair.Mode mode;
  final List<Double> p50 = new ArrayList<>();
  final List<Double> p90 = new ArrayList<>();
  final List<Double> p99 = new ArrayList<>();
  final List<Double> clientCpu = new ArrayList<>();
  final List<Double> serverCpu = new ArrayList<>();
  long requests;
  long failures;
  String error;

  LibraryResult(String library, LibraryPair.Mode mode) {
    this.library = library;
    this.mode = mode;
  }

  static double median(List<Double> values) {
    if (values.isEmpty()) {
      return Double.NaN;
    }
    List<Double> sorted = values.stream().sorted().toList();
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }
}
