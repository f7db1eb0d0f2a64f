package dev.skein.it.demo;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The demo's users, outside the mesh (no agent): {@code RATE} requests per second to the
 * frontend's URL, every fifth with {@code x-canary: true}. Prints {@code users ok=N failed=N}
 * every second.
 */
public final class LoadGenerator {
  private LoadGenerator() {}

  public static void main(String[] args) {
    URI frontend = URI.create(args[0]);
    int rate = Integer.parseInt(args[1]);
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    AtomicLong sent = new AtomicLong();
    AtomicLong ok = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    ScheduledExecutorService timer = Executors.newScheduledThreadPool(1);
    long period = 1_000_000_000L / rate;
    long start = System.nanoTime();
    AtomicLong ticks = new AtomicLong();
    timer.scheduleAtFixedRate(() -> {
      // After a stall (a cold JVM, a busy machine) skip the missed requests instead of bursting.
      long due = start + ticks.getAndIncrement() * period;
      if (System.nanoTime() - due > 1_000_000_000L) {
        return;
      }
      HttpRequest.Builder request = HttpRequest.newBuilder(frontend).timeout(Duration.ofSeconds(10));
      if (sent.incrementAndGet() % 5 == 0) {
        request.header("x-canary", "true");
      }
      client.sendAsync(request.build(), HttpResponse.BodyHandlers.discarding())
          .whenComplete((r, t) -> (t == null && r.statusCode() < 500 ? ok : failed).incrementAndGet());
    }, 0, period, TimeUnit.NANOSECONDS);
    timer.scheduleAtFixedRate(() -> {
      System.out.println("users ok=" + ok.getAndSet(0) + " failed=" + failed.getAndSet(0));
      System.out.flush();
    }, 1, 1, TimeUnit.SECONDS);
  }
}
