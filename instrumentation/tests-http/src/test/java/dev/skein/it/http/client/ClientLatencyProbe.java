package dev.skein.it.http.client;

import java.lang.management.ManagementFactory;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * Sequential keep-alive GETs through one client library, timed one by one: prints
 * {@code latency p50=<us> p90=<us> p99=<us> max=<us> count=<n> cpu_us_per_req=<us>} after a
 * warm-up. Arguments: library, URL, warm-up count, measured count.
 */
public final class ClientLatencyProbe {
  private ClientLatencyProbe() {}

  public static void main(String[] args) throws Exception {
    String url = args[1];
    int warmup = Integer.parseInt(args[2]);
    int count = Integer.parseInt(args[3]);
    try (DriverClient client = DriverClient.create(args[0])) {
      for (int i = 0; i < warmup; i++) {
        client.get(url, Map.of());
      }
      Histogram histogram = new Histogram(3);
      long cpuStart = cpuNanos();
      for (int i = 0; i < count; i++) {
        long start = System.nanoTime();
        client.get(url, Map.of());
        histogram.recordValue((System.nanoTime() - start) / 1000);
      }
      long cpu = cpuNanos() - cpuStart;
      System.out.printf(
          "latency p50=%d p90=%d p99=%d max=%d count=%d cpu_us_per_req=%.1f%n",
          histogram.getValueAtPercentile(50), histogram.getValueAtPercentile(90), histogram.getValueAtPercentile(99),
          histogram.getMaxValue(), histogram.getTotalCount(), cpu / 1000.0 / count);
    }
  }

  private static long cpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }
}
