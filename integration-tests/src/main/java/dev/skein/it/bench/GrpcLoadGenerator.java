package dev.skein.it.bench;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * The benchmark's gRPC client: unary calls of {@link GrpcEcho#ECHO} over one channel (grpc-java
 * on Netty, plaintext as the application sees it), no mesh code, driven on stdin with the
 * {@code warm} and {@code open} commands of {@link LoadGenerator} and answering the same lines.
 * Open loop as there: each latency is measured from the call's <em>intended</em> start, so a
 * stall shows in every call it delays (corrected for coordinated omission).
 */
public final class GrpcLoadGenerator {
  private static final long MAX_NANOS = TimeUnit.SECONDS.toNanos(60);
  private static final byte[] PAYLOAD = "0123456789abcdef".getBytes(StandardCharsets.UTF_8);

  private final ManagedChannel channel;

  private GrpcLoadGenerator(String target) {
    this.channel = ManagedChannelBuilder.forTarget(target).usePlaintext().build();
  }

  public static void main(String[] args) throws Exception {
    GrpcLoadGenerator generator = new GrpcLoadGenerator(args[0]);
    System.out.println("ready");
    System.out.flush();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line; (line = in.readLine()) != null; ) {
      String[] p = line.trim().split("\\s+");
      String answer =
          switch (p[0]) {
            case "warm" -> generator.warm(Integer.parseInt(p[1]));
            case "open" -> generator.open(Integer.parseInt(p[1]), Long.parseLong(p[2]));
            default -> "error unknown command " + line;
          };
      System.out.println(answer);
      System.out.flush();
    }
  }

  private String warm(int count) {
    Outcome outcome = new Outcome();
    for (int i = 0; i < count; i++) {
      try {
        byte[] answer = ClientCalls.blockingUnaryCall(channel, GrpcEcho.ECHO, options(), PAYLOAD);
        outcome.record(answer.length == PAYLOAD.length ? null : "answer of " + answer.length + " bytes");
      } catch (RuntimeException e) {
        outcome.record(String.valueOf(e));
      }
    }
    return "warm ok=" + outcome.ok.get() + " failed=" + outcome.failed.get() + outcome.last();
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
      ClientCalls.asyncUnaryCall(
          channel.newCall(GrpcEcho.ECHO, options()),
          PAYLOAD,
          new StreamObserver<byte[]>() {
            private String wrongAnswer;

            @Override
            public void onNext(byte[] answer) {
              if (answer.length != PAYLOAD.length) {
                wrongAnswer = "answer of " + answer.length + " bytes";
              }
            }

            @Override
            public void onError(Throwable e) {
              finish(String.valueOf(e));
            }

            @Override
            public void onCompleted() {
              finish(null);
            }

            private void finish(String error) {
              recorder.recordValue(Math.min(MAX_NANOS, System.nanoTime() - intended));
              outcome.record(error != null ? error : wrongAnswer);
              done.countDown();
            }
          });
    }
    done.await(10, TimeUnit.SECONDS);
    long elapsed = (System.nanoTime() - start) / 1_000_000;
    return "open ok=" + outcome.ok.get() + " failed=" + (outcome.failed.get() + done.getCount()) + " millis=" + elapsed
        + " lag_p50_ns=" + lag.getValueAtPercentile(50) + " hist=" + LoadGenerator.encode(recorder.getIntervalHistogram())
        + outcome.last();
  }

  private static CallOptions options() {
    return CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS);
  }

  /** Counts of one command's calls. */
  private static final class Outcome {
    final AtomicLong ok = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    final AtomicReference<String> first = new AtomicReference<>();
    final AtomicReference<String> lastError = new AtomicReference<>();

    void record(String error) {
      if (error == null) {
        ok.incrementAndGet();
      } else {
        failed.incrementAndGet();
        lastError.set(error);
        first.compareAndSet(null, error);
      }
    }

    String last() {
      String error = lastError.get();
      return error == null ? "" : (" last=" + error + " (first: " + first.get() + ")").replace('\n', ' ');
    }
  }
}
