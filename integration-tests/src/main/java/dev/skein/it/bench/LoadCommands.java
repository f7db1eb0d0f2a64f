package dev.skein.it.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * What the benchmark's HTTP and gRPC clients ({@link LoadGenerator}, {@link GrpcLoadGenerator})
 * share: the command loop on stdin, the outcome of one command's requests, and the open-loop
 * phase, so that both answer the same lines measured the same way.
 */
final class LoadCommands {
  static final long MAX_NANOS = TimeUnit.SECONDS.toNanos(60);

  private LoadCommands() {}

  /** Answers one command line, split on spaces. */
  interface Command {
    String answer(String[] words) throws Exception;
  }

  /** Prints {@code ready}, then answers each line of stdin with one line. */
  static void serve(Command command) throws Exception {
    System.out.println("ready");
    System.out.flush();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line; (line = in.readLine()) != null; ) {
      String answer = command.answer(line.trim().split("\\s+"));
      System.out.println(answer != null ? answer : "error unknown command " + line);
      System.out.flush();
    }
  }

  /** Sends one request asynchronously and tells {@code done} how it ended. */
  interface AsyncSend {
    void send(Done done);
  }

  /** How a request ended: as {@link Outcome#record}. */
  interface Done {
    void finish(String error, String kind);
  }

  /**
   * Open loop: requests leave at fixed intended times whatever the responses do, and each latency
   * is measured from its intended send time (corrected for coordinated omission). The pacer parks
   * rather than spins; its lateness is reported beside.
   */
  /**
   * Past this many requests in flight a request is not sent and counts as failed. Without a cap a
   * stall at 1,000/s left thousands in flight, each (HTTP/1.1) on a connection of its own, and the
   * client's heap, and so the memory rows, grew with the load generator's backlog, not with what
   * the application or the agent holds.
   */
  static final int MAX_IN_FLIGHT = 512;

  static String open(int rate, long millis, AsyncSend send) throws InterruptedException {
    AtomicInteger inFlight = new AtomicInteger();
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
      if (inFlight.get() >= MAX_IN_FLIGHT) {
        outcome.record("the load generator had " + MAX_IN_FLIGHT + " requests in flight", "in-flight cap");
        done.countDown();
        continue;
      }
      inFlight.incrementAndGet();
      send.send(
          (error, kind) -> {
            inFlight.decrementAndGet();
            recorder.recordValue(Math.min(MAX_NANOS, System.nanoTime() - intended));
            outcome.record(error, kind);
            done.countDown();
          });
    }
    done.await(10, TimeUnit.SECONDS);
    long elapsed = (System.nanoTime() - start) / 1_000_000;
    return "open ok=" + outcome.okCount() + " failed=" + (outcome.failedCount() + done.getCount()) + " millis=" + elapsed
        + " lag_p50_ns=" + lag.getValueAtPercentile(50) + " hist=" + encode(recorder.getIntervalHistogram()) + outcome.last();
  }

  /** The histogram, compressed and in Base64, as the harness decodes it. */
  static String encode(Histogram histogram) {
    ByteBuffer buffer = ByteBuffer.allocate(histogram.getNeededByteBufferCapacity());
    int length = histogram.encodeIntoCompressedByteBuffer(buffer);
    byte[] bytes = new byte[length];
    buffer.flip();
    buffer.get(bytes);
    return Base64.getEncoder().encodeToString(bytes);
  }

  /** Counts of one command's requests, with the first and last error and, when given, their kinds. */
  static final class Outcome {
    private final AtomicLong ok = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicReference<String> lastError = new AtomicReference<>();
    private final AtomicReference<String> firstError = new AtomicReference<>();
    private final Map<String, LongAdder> kinds = new ConcurrentHashMap<>();

    /** @param error null for success; {@code kind}: how to count the error, or null */
    void record(String error, String kind) {
      if (error == null) {
        ok.incrementAndGet();
        return;
      }
      failed.incrementAndGet();
      lastError.set(error);
      firstError.compareAndSet(null, error);
      if (kind != null) {
        kinds.computeIfAbsent(kind, k -> new LongAdder()).increment();
      }
    }

    long okCount() {
      return ok.get();
    }

    long failedCount() {
      return failed.get();
    }

    /** {@code " last=... (first: ...; by kind: [...])"}, or "" when nothing failed. */
    String last() {
      String error = lastError.get();
      if (error == null) {
        return "";
      }
      String byKind = kinds.isEmpty()
          ? ""
          : "; by kind: " + kinds.entrySet().stream().map(e -> e.getKey() + " x" + e.getValue()).sorted().toList();
      return (" last=" + error + " (first: " + firstError.get() + byKind + ")").replace('\n', ' ');
    }
  }
}
