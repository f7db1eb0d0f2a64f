package dev.skein.it.apps.resilience;

import dev.skein.it.support.GrpcMarshallers;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import io.grpc.CallOptions;

/**
 * A gRPC server or client with no mesh code, one unary method {@code orders.Orders/Get} with a
 * UTF-8 string marshaller, driven on stdin.
 *
 * <pre>
 *   server: fail PERCENT | sleep MILLIS | count   (prints "listening PORT"; "ok" after each command)
 *           concurrency                           (prints "concurrency max=N": most calls in progress at once
 *                                                  since last asked)
 *   client: call COUNT                            (prints "result ok=N codes={...} descriptions={...} maxMillis=M
 *                                                  bodies={v1=..} last=...")
 *           pace RPS SECONDS                      (open loop: RPS calls a second, without waiting for answers;
 *                                                  prints "paced sent=N ok=N codes={...}")
 *           burst THREADS CALLS                   (THREADS threads released at once, CALLS blocking calls each;
 *                                                  prints "burst ok=N codes={...}")
 * </pre>
 */
public final class GrpcFlaky {
  static final MethodDescriptor.Marshaller<String> UTF8 = GrpcMarshallers.UTF8;
  static final MethodDescriptor<String, String> GET =
      MethodDescriptor.<String, String>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName("orders.Orders/Get")
          .setRequestMarshaller(UTF8)
          .setResponseMarshaller(UTF8)
          .build();

  private static volatile double failPercent;
  private static volatile long sleepMillis;
  private static final AtomicLong received = new AtomicLong();
  private static final java.util.concurrent.atomic.AtomicInteger inProgress = new java.util.concurrent.atomic.AtomicInteger();
  private static final java.util.concurrent.atomic.AtomicInteger maxInProgress = new java.util.concurrent.atomic.AtomicInteger();

  private GrpcFlaky() {}

  public static void main(String[] args) throws Exception {
    if (args[0].equals("server")) {
      server();
    } else {
      client(args[1]);
    }
  }

  private static void server() throws Exception {
    String version = System.getenv().getOrDefault("ECHO_VERSION", "v0");
    ServerServiceDefinition service =
        ServerServiceDefinition.builder("orders.Orders")
            .addMethod(
                GET,
                ServerCalls.asyncUnaryCall(
                    (request, response) -> {
                      received.incrementAndGet();
                      maxInProgress.accumulateAndGet(inProgress.incrementAndGet(), Math::max);
                      if (sleepMillis > 0) {
                        try {
                          Thread.sleep(sleepMillis);
                        } catch (InterruptedException e) {
                          Thread.currentThread().interrupt();
                        }
                      }
                      inProgress.decrementAndGet();
                      if (ThreadLocalRandom.current().nextDouble(100.0) < failPercent) {
                        response.onError(Status.UNAVAILABLE.withDescription("told to fail").asRuntimeException());
                      } else {
                        response.onNext(version);
                        response.onCompleted();
                      }
                    }))
            .build();
    Server server = ServerBuilder.forPort(0).addService(service).build().start();
    System.out.println("listening " + server.getPort());
    System.out.flush();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line; (line = in.readLine()) != null; ) {
      String[] parts = line.trim().split("\\s+");
      if (parts[0].equals("fail")) {
        failPercent = Double.parseDouble(parts[1]);
      } else if (parts[0].equals("sleep")) {
        sleepMillis = Long.parseLong(parts[1]);
      } else if (parts[0].equals("count")) {
        System.out.println("count " + received.getAndSet(0));
      } else if (parts[0].equals("concurrency")) {
        System.out.println("concurrency max=" + maxInProgress.getAndSet(0));
      }
      System.out.println("ok");
      System.out.flush();
    }
  }

  private static void client(String target) throws Exception {
    ManagedChannel channel = ManagedChannelBuilder.forTarget(target).usePlaintext().build();
    System.out.println("ready");
    System.out.flush();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line; (line = in.readLine()) != null; ) {
      String[] parts = line.trim().split("\\s+");
      if (parts[0].equals("pace")) {
        pace(channel, Double.parseDouble(parts[1]), Double.parseDouble(parts[2]), parts.length > 3 ? Long.parseLong(parts[3]) : 0);
        continue;
      }
      if (parts[0].equals("burst")) {
        burst(channel, Integer.parseInt(parts[1]), Integer.parseInt(parts[2]));
        continue;
      }
      int count = Integer.parseInt(parts[1]);
      int ok = 0;
      Map<String, Integer> codes = new TreeMap<>();
      Map<String, Integer> descriptions = new TreeMap<>();
      Map<String, Integer> bodies = new TreeMap<>();
      long maxMillis = 0;
      String lastError = "";
      for (int i = 0; i < count; i++) {
        long start = System.nanoTime();
        try {
          bodies.merge(ClientCalls.blockingUnaryCall(channel, GET, CallOptions.DEFAULT, "order"), 1, Integer::sum);
          ok++;
        } catch (StatusRuntimeException e) {
          codes.merge(e.getStatus().getCode().name(), 1, Integer::sum);
          String d = String.valueOf(e.getStatus().getDescription());
          lastError = e.getStatus() + (e.getCause() == null ? "" : " cause " + e.getCause());
          descriptions.merge(
              d.contains("x-skein-fault: abort") ? "fault" : d.contains("skein: circuit open") ? "circuit-open" : "other", 1, Integer::sum);
        }
        maxMillis = Math.max(maxMillis, (System.nanoTime() - start) / 1_000_000);
      }
      System.out.println("result ok=" + ok + " codes=" + codes + " descriptions=" + descriptions + " maxMillis=" + maxMillis + " bodies=" + bodies + " last=" + lastError);
      System.out.flush();
    }
  }

  /** {@code threads} callers released together, each making {@code calls} blocking calls: picks that race. */
  private static void burst(ManagedChannel channel, int threads, int calls) throws Exception {
    AtomicLong ok = new AtomicLong();
    Map<String, Integer> codes = new java.util.concurrent.ConcurrentSkipListMap<>();
    java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(threads);
    Thread[] callers = new Thread[threads];
    for (int t = 0; t < threads; t++) {
      callers[t] =
          new Thread(
              () -> {
                try {
                  start.await();
                } catch (Exception e) {
                  return;
                }
                for (int i = 0; i < calls; i++) {
                  try {
                    ClientCalls.blockingUnaryCall(channel, GET, CallOptions.DEFAULT.withDeadlineAfter(30, java.util.concurrent.TimeUnit.SECONDS), "order");
                    ok.incrementAndGet();
                  } catch (StatusRuntimeException e) {
                    codes.merge(e.getStatus().getCode().name(), 1, Integer::sum);
                  }
                }
              });
      callers[t].start();
    }
    for (Thread caller : callers) {
      caller.join();
    }
    System.out.printf("burst ok=%d codes=%s%n", ok.get(), codes);
    System.out.flush();
  }

  /**
   * Sends {@code rps} calls a second for {@code seconds}, each on schedule whatever the answers do,
   * each with a deadline of {@code deadlineMillis} (0: none).
   */
  private static void pace(ManagedChannel channel, double rps, double seconds, long deadlineMillis) throws Exception {
    int total = (int) Math.round(rps * seconds);
    long intervalNanos = Math.round(1_000_000_000d / rps);
    AtomicLong ok = new AtomicLong();
    Map<String, Integer> codes = new java.util.concurrent.ConcurrentSkipListMap<>();
    java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(total);
    long start = System.nanoTime();
    for (int i = 0; i < total; i++) {
      long wait = start + i * intervalNanos - System.nanoTime();
      if (wait > 0) {
        java.util.concurrent.locks.LockSupport.parkNanos(wait);
      }
      com.google.common.util.concurrent.ListenableFuture<String> f =
          ClientCalls.futureUnaryCall(
              channel.newCall(
                  GET,
                  deadlineMillis > 0
                      ? CallOptions.DEFAULT.withDeadlineAfter(deadlineMillis, java.util.concurrent.TimeUnit.MILLISECONDS)
                      : CallOptions.DEFAULT),
              "order");
      f.addListener(
          () -> {
            try {
              f.get();
              ok.incrementAndGet();
            } catch (Exception e) {
              codes.merge(Status.fromThrowable(e).getCode().name(), 1, Integer::sum);
            }
            done.countDown();
          },
          Runnable::run);
    }
    double elapsed = (System.nanoTime() - start) / 1e9;
    done.await(30, java.util.concurrent.TimeUnit.SECONDS);
    System.out.printf("paced sent=%d ok=%d codes=%s seconds=%.2f%n", total, ok.get(), codes, elapsed);
    System.out.flush();
  }
}
