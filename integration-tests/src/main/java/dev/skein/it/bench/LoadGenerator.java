package dev.skein.it.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

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
  private static final long MAX_NANOS = TimeUnit.SECONDS.toNanos(60);

  private final HttpClient client;
  private final HttpRequest request;

  private LoadGenerator(URI uri) {
    // HTTP/1.1 explicitly: the default (HTTP/2) sends an h2c upgrade the servers do not speak.
    this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
    this.request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build();
  }

  public static void main(String[] args) throws Exception {
    LoadGenerator generator = new LoadGenerator(URI.create(args[0]));
    System.out.println("ready");
    System.out.flush();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line; (line = in.readLine()) != null; ) {
      String[] p = line.trim().split("\\s+");
      String answer =
          switch (p[0]) {
            case "warm" -> generator.warm(Integer.parseInt(p[1]));
            case "open" -> generator.open(Integer.parseInt(p[1]), Long.parseLong(p[2]));
            case "closed" -> generator.closed(Integer.parseInt(p[1]), Long.parseLong(p[2]));
            default -> "error unknown command " + line;
          };
      System.out.println(answer);
      System.out.flush();
    }
  }

  private String warm(int count) {
    Outcome outcome = new Outcome();
    for (int i = 0; i < count; i++) {
      sendOne(outcome, new Histogram(MAX_NANOS, 3));
    }
    return "warm ok=" + outcome.okCount() + " failed=" + outcome.failed.get() + last(outcome);
  }

  private String open(int rate, long millis) throws InterruptedException {
    long interval = 1_000_000_000L / rate;
    long count = rate * millis / 1000;
    Recorder recorder = new Recorder(MAX_NANOS, 3);
    Histogram lag = new Histogram(MAX_NANOS, 3);
    Outcome outcome = new Outcome();
    CountDownLatch done = new CountDownLatch((int) count);
    long start = System.nanoTime() + 1_000_000;
    for (long i = 0; i < count; i++) {
      long intended = start + i * interval;
      for (long wait; (wait = intended - System.nanoTime()) > 0; ) {
        LockSupport.parkNanos(wait);
      }
      lag.recordValue(Math.min(MAX_NANOS, Math.max(0, System.nanoTime() - intended)));
      client
          .sendAsync(request, HttpResponse.BodyHandlers.ofByteArray())
          .whenComplete(
              (r, e) -> {
                recorder.recordValue(Math.min(MAX_NANOS, System.nanoTime() - intended));
                outcome.record(r, e);
                done.countDown();
              });
    }
    done.await(10, TimeUnit.SECONDS);
    long elapsed = (System.nanoTime() - start) / 1_000_000;
    return "open ok=" + outcome.okCount() + " failed=" + (outcome.failed.get() + done.getCount()) + " millis=" + elapsed
        + " lag_p50_ns=" + lag.getValueAtPercentile(50) + " hist=" + encode(recorder.getIntervalHistogram()) + last(outcome);
  }

  private String closed(int connections, long millis) throws InterruptedException {
    Outcome outcome = new Outcome();
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
    return "closed ok=" + outcome.okCount() + " failed=" + outcome.failed.get() + " millis=" + elapsed + " lag_p50_ns=0 hist="
        + encode(all) + last(outcome);
  }

  private void sendOne(Outcome outcome, Histogram histogram) {
    long start = System.nanoTime();
    try {
      HttpResponse<byte[]> r = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
      histogram.recordValue(Math.min(MAX_NANOS, System.nanoTime() - start));
      outcome.record(r, null);
    } catch (Exception e) {
      outcome.record(null, e);
    }
  }

  static String encode(Histogram histogram) {
    ByteBuffer buffer = ByteBuffer.allocate(histogram.getNeededByteBufferCapacity());
    int length = histogram.encodeIntoCompressedByteBuffer(buffer);
    byte[] bytes = new byte[length];
    buffer.flip();
    buffer.get(bytes);
    return Base64.getEncoder().encodeToString(bytes);
  }

  private static String last(Outcome outcome) {
    String error = outcome.lastError.get();
    if (error == null) {
      return "";
    }
    String kinds = outcome.kinds.entrySet().stream().map(e -> e.getKey() + " x" + e.getValue()).sorted().toList().toString();
    return (" last=" + error + " (first: " + outcome.firstError.get() + "; by kind: " + kinds + ")").replace('\n', ' ');
  }

  /** Counts of one command's requests. */
  private static final class Outcome {
    private final AtomicLong okCounter = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicReference<String> lastError = new AtomicReference<>();
    private final AtomicReference<String> firstError = new AtomicReference<>();
    private final Map<String, LongAdder> kinds = new ConcurrentHashMap<>();

    void record(HttpResponse<?> response, Throwable error) {
      int status = response == null ? -1 : response.statusCode();
      if (status == 200) {
        okCounter.incrementAndGet();
      } else {
        failed.incrementAndGet();
        // A mesh refusal says why (circuit breaker, bulkhead, no endpoint) in its header.
        String description =
            error != null ? error.toString() : "status " + status + response.headers().firstValue("x-skein-refused").map(r -> " (" + r + ")").orElse("");
        lastError.set(description);
        firstError.compareAndSet(null, description);
        kinds.computeIfAbsent(error != null ? error.getClass().getSimpleName() : "status " + status, k -> new LongAdder()).increment();
      }
    }

    long okCount() {
      return okCounter.get();
    }
  }
}
