package dev.skein.it.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * The benchmark's client: a plain {@code java.net.http} application with no mesh code, run in
 * its own JVM (with no agent, the OpenTelemetry agent or Skein's) and driven on stdin:
 *
 * <pre>
 *   warm COUNT              sequential requests, not measured
 *   open RATE MILLIS        open loop: RATE requests/s for MILLIS
 *   closed CONNS MILLIS     closed loop: CONNS threads sending back to back
 * </pre>
 *
 * Each command answers one line: {@code <command> ok=N failed=N millis=N lag_p50_ns=N hist=BASE64
 * [last=ERROR]}, where hist is the HdrHistogram of latencies in nanoseconds.
 *
 * <p>Open loop: requests leave at fixed intended times whatever the responses do, and each
 * latency is measured from its <em>intended</em> send time, so a stall (of the client, the
 * server or anything between) shows in every request it delays rather than in one: the
 * correction for coordinated omission. The pacer parks rather than spins, so as not to burn the
 * CPU being measured; its lateness (lag, mostly the kernel's timer slack) is reported beside.
 */
public final class LoadGenerator {
  private static final long MAX_NANOS = LoadCommands.MAX_NANOS;

  private final HttpClient client;
  private final HttpRequest request;

  private LoadGenerator(URI uri) {
    // HTTP/1.1 explicitly: the default (HTTP/2) sends an h2c upgrade the servers do not speak.
    this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
    this.request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build();
  }

  public static void main(String[] args) throws Exception {
    LoadGenerator generator = new LoadGenerator(URI.create(args[0]));
    LoadCommands.serve(
        p ->
            switch (p[0]) {
              case "warm" -> generator.warm(Integer.parseInt(p[1]));
              case "open" -> generator.open(Integer.parseInt(p[1]), Long.parseLong(p[2]));
              case "closed" -> generator.closed(Integer.parseInt(p[1]), Long.parseLong(p[2]));
              default -> null;
            });
  }

  private String warm(int count) {
    LoadCommands.Outcome outcome = new LoadCommands.Outcome();
    for (int i = 0; i < count; i++) {
      sendOne(outcome, new Histogram(MAX_NANOS, 3));
    }
    return "warm ok=" + outcome.okCount() + " failed=" + outcome.failedCount() + outcome.last();
  }

  private String open(int rate, long millis) throws InterruptedException {
    return LoadCommands.open(
        rate,
        millis,
        done -> client.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray()).whenComplete((r, e) -> finish(r, e, done)));
  }

  private String closed(int connections, long millis) throws InterruptedException {
    LoadCommands.Outcome outcome = new LoadCommands.Outcome();
    List<Histogram> histograms = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    long start = System.nanoTime();
    for (int c = 0; c < connections; c++) {
      Histogram h = new Histogram(MAX_NANOS, 3);
      histograms.add(h);
      Thread t =
          new Thread(
              () -> {
                while (System.nanoTime() < deadline) {
                  sendOne(outcome, h);
                }
              },
              "closed-" + c);
      threads.add(t);
      t.start();
    }
    for (Thread t : threads) {
      t.join();
    }
    long elapsed = (System.nanoTime() - start) / 1_000_000;
    Histogram all = new Histogram(MAX_NANOS, 3);
    histograms.forEach(all::add);
    return "closed ok=" + outcome.okCount() + " failed=" + outcome.failedCount() + " millis=" + elapsed + " lag_p50_ns=0 hist="
        + LoadCommands.encode(all) + outcome.last();
  }

  private void sendOne(LoadCommands.Outcome outcome, Histogram histogram) {
    long start = System.nanoTime();
    try {
      HttpResponse<byte[]> r = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
      histogram.recordValue(Math.min(MAX_NANOS, System.nanoTime() - start));
      finish(r, null, outcome::record);
    } catch (Exception e) {
      finish(null, e, outcome::record);
    }
  }

  /** Tells {@code done} how a request ended: a 200, or an error (another status, an exception) and its kind. */
  private static void finish(HttpResponse<?> response, Throwable error, LoadCommands.Done done) {
    int status = response == null ? -1 : response.statusCode();
    if (status == 200) {
      done.finish(null, null);
      return;
    }
    // A mesh refusal says why (circuit breaker, bulkhead, no endpoint) in its header.
    String description =
        error != null ? error.toString() : "status " + status + response.headers().firstValue("x-skein-refused").map(r -> " (" + r + ")").orElse("");
    done.finish(description, error != null ? error.getClass().getSimpleName() : "status " + status);
  }
}
