package dev.skein.it.apps;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.HdrHistogram.Histogram;

/**
 * Sequential requests over one keep-alive connection, timed one by one: prints
 * {@code latency p50=<us> p90=<us> p99=<us> max=<us> count=<n>} after a warm-up. Run with and
 * without the agent to see what the agent adds to each request.
 */
public final class LatencyProbe {
  private LatencyProbe() {}

  public static void main(String[] args) throws Exception {
    URI uri = URI.create(args[0]);
    int warmup = Integer.parseInt(args[1]);
    int count = Integer.parseInt(args[2]);
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpRequest request = HttpRequest.newBuilder(uri).build();
    for (int i = 0; i < warmup; i++) {
      client.send(request, HttpResponse.BodyHandlers.ofString());
    }
    Histogram histogram = new Histogram(3);
    long cpuStart = ProcessCpu.nanos();
    for (int i = 0; i < count; i++) {
      long start = System.nanoTime();
      HttpResponse<String> r = client.send(request, HttpResponse.BodyHandlers.ofString());
      histogram.recordValue((System.nanoTime() - start) / 1000);
      if (r.statusCode() != 200) {
        throw new IllegalStateException("status " + r.statusCode());
      }
    }
    long cpu = ProcessCpu.nanos() - cpuStart;
    System.out.printf(
        "latency p50=%d p90=%d p99=%d max=%d count=%d cpu_us_per_req=%.1f%n",
        histogram.getValueAtPercentile(50), histogram.getValueAtPercentile(90), histogram.getValueAtPercentile(99),
        histogram.getMaxValue(), histogram.getTotalCount(), cpu / 1000.0 / count);
  }
}
