package dev.skein.it.apps.mtls;

import dev.skein.it.apps.telemetry.GreeterApi;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.stub.ClientCalls;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A plaintext gRPC client (no mesh code, {@code usePlaintext()}), driven on stdin:
 *
 * <pre>
 *   send COUNT TARGET                        one channel
 *   load SECONDS THREADS FRESH_EVERY TARGET  continuous calls; each thread builds a new channel
 *                                            (a new connection and handshake) every FRESH_EVERY calls
 * </pre>
 *
 * and answers {@code result ok=N failed=N bodies={...} error=...}.
 */
public final class GrpcCaller {
  private GrpcCaller() {}

  public static void main(String[] args) throws Exception {
    System.out.println("ready");
    System.out.flush();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line; (line = in.readLine()) != null; ) {
      String[] p = line.trim().split("\\s+");
      Map<String, Integer> bodies = new ConcurrentHashMap<>();
      AtomicInteger ok = new AtomicInteger();
      AtomicInteger failed = new AtomicInteger();
      String[] error = {""};
      if (p[0].equals("send")) {
        ManagedChannel channel = channel(p[2]);
        for (int i = 0; i < Integer.parseInt(p[1]); i++) {
          call(channel, ok, failed, bodies, error);
        }
        channel.shutdownNow();
      } else if (p[0].equals("load")) {
        long end = System.nanoTime() + Duration.ofSeconds(Long.parseLong(p[1])).toNanos();
        int freshEvery = Integer.parseInt(p[3]);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < Integer.parseInt(p[2]); t++) {
          Thread thread =
              new Thread(
                  () -> {
                    ManagedChannel channel = channel(p[4]);
                    for (int n = 1; System.nanoTime() < end; n++) {
                      if (n % freshEvery == 0) {
                        channel.shutdown();
                        channel = channel(p[4]);
                      }
                      call(channel, ok, failed, bodies, error);
                    }
                    channel.shutdownNow();
                  });
          thread.start();
          threads.add(thread);
        }
        for (Thread t : threads) {
          t.join();
        }
      } else {
        System.out.println("error unknown command: " + line);
        System.out.flush();
        continue;
      }
      System.out.println(
          "result ok=" + ok + " failed=" + failed + " bodies=" + new TreeMap<>(bodies) + " error=" + error[0].replace('\n', ' ').replace(' ', '_'));
      System.out.flush();
    }
  }

  private static ManagedChannel channel(String target) {
    return ManagedChannelBuilder.forTarget(target).usePlaintext().build();
  }

  private static void call(ManagedChannel channel, AtomicInteger ok, AtomicInteger failed, Map<String, Integer> bodies, String[] error) {
    try {
      String answer =
          ClientCalls.blockingUnaryCall(channel, GreeterApi.GREET, CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS), "hi");
      ok.incrementAndGet();
      bodies.merge(answer, 1, Integer::sum);
    } catch (RuntimeException e) {
      failed.incrementAndGet();
      error[0] = e + (e.getCause() == null ? "" : " cause " + e.getCause());
    }
  }
}
