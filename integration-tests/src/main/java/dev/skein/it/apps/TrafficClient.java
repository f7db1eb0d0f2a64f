package dev.skein.it.apps;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Recorder;

/**
 * A traffic generator with no mesh code: {@code RATE} requests per second (open loop, async) to
 * {@code URL}, every {@code CANARY_EVERY}th with {@code x-canary: true}. Once a second it prints
 * {@code stats ok=N failed=N p50_us=N p99_us=N bodies={v1=N, v2=N}} for that second.
 */
public final class TrafficClient {
  private TrafficClient() {}

  public static void main(String[] args) throws Exception {
    URI uri = URI.create(args[0]);
    int rate = Integer.parseInt(args[1]);
    int canaryEvery = args.length > 2 ? Integer.parseInt(args[2]) : 0;
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    Recorder latency = new Recorder(3);
    AtomicInteger ok = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    Map<String, AtomicInteger> bodies = new ConcurrentHashMap<>();
    Map<String, AtomicInteger> errors = new ConcurrentHashMap<>();
    AtomicLong sent = new AtomicLong();
    ScheduledExecutorService timer = Executors.newScheduledThreadPool(1);
    timer.scheduleAtFixedRate(
        () -> {
          long n = sent.incrementAndGet();
          // 5 s: the tests count requests lost to churn (kills, outages, bad policies), not slow
          // ones, and a loaded test machine can stall a JVM for a couple of seconds.
          HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5));
          if (canaryEvery > 0 && n % canaryEvery == 0) {
            b.header("x-canary", "true");
          }
          long start = System.nanoTime();
          client.sendAsync(b.build(), HttpResponse.BodyHandlers.ofString()).whenComplete((r, e) -> {
            latency.recordValue(Math.max(1, (System.nanoTime() - start) / 1000));
            if (e == null && r.statusCode() == 200) {
              ok.incrementAndGet();
              bodies.computeIfAbsent(r.body(), k -> new AtomicInteger()).incrementAndGet();
            } else {
              failed.incrementAndGet();
              String kind = e != null ? errorKind(e) : "status_" + r.statusCode();
              if (errors.computeIfAbsent(kind, k -> new AtomicInteger()).incrementAndGet() == 1 && e != null) {
                // The first of each kind in a second, whole, on stderr: for reading a test's log.
                System.err.println("traffic: request failed: " + kind);
                e.printStackTrace();
              }
            }
          });
        },
        0,
        1_000_000 / rate,
        TimeUnit.MICROSECONDS);
    timer.scheduleAtFixedRate(
        () -> {
          var h = latency.getIntervalHistogram();
          Map<String, Integer> counts = new TreeMap<>();
          bodies.forEach((k, v) -> counts.put(k, v.getAndSet(0)));
          Map<String, Integer> failures = new TreeMap<>();
          errors.forEach((k, v) -> {
            int n = v.getAndSet(0);
            if (n > 0) {
              failures.put(k, n);
            }
          });
          System.out.println(
              "stats ok=" + ok.getAndSet(0) + " failed=" + failed.getAndSet(0) + " p50_us=" + h.getValueAtPercentile(50)
                  + " p99_us=" + h.getValueAtPercentile(99) + " bodies=" + counts + (failures.isEmpty() ? "" : " errors=" + failures));
          System.out.flush();
        },
        1,
        1,
        TimeUnit.SECONDS);
  }

  /**
   * The exception's class, with its root cause's when they differ: the JDK client reports a
   * refused connect as a {@code ConnectException} caused by a {@code ClosedChannelException} (its
   * own second connect attempt, on the channel the first one closed).
   */
  private static String errorKind(Throwable e) {
    Throwable outer = e;
    while (outer instanceof java.util.concurrent.CompletionException && outer.getCause() != null) {
      outer = outer.getCause();
    }
    Throwable root = rootCause(outer);
    String kind = outer.getClass().getSimpleName();
    return root == outer ? kind : kind + "(" + root.getClass().getSimpleName() + ")";
  }

  private static Throwable rootCause(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t;
  }
}
