package dev.skein.it.http.client.resilience;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * A client JVM holding every HTTP client library the resilience tests cover, with no mesh code,
 * driven on stdin:
 *
 * <pre>
 *   send COUNT URL LIBRARY [THREADS]
 * </pre>
 *
 * makes the calls (one after the other, or from THREADS threads at once) and answers {@code result ok=N failed=N statuses={200=..}
 * faults=N errors={HttpTimeoutException=..} maxMillis=M refused={circuit-open=..}}: ok counts
 * 2xx (bodies counts their bodies), faults counts answers with {@code x-skein-fault}, refused counts answers with
 * {@code x-skein-refused} by its value, errors counts exceptions by the simple name of the
 * library's exception (unwrapped from the future's wrapper).
 */
public final class ResilienceDriver {
  private ResilienceDriver() {}

  public static void main(String[] args) throws Exception {
    Map<String, ResilienceClient> clients = ResilienceClient.all();
    System.out.println("ready " + clients.keySet());
    System.out.flush();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line; (line = in.readLine()) != null; ) {
      String[] parts = line.trim().split("\\s+");
      ResilienceClient client = parts.length >= 4 && parts[0].equals("send") ? clients.get(parts[3]) : null;
      if (client == null) {
        System.out.println("error unknown command: " + line);
        System.out.flush();
        continue;
      }
      System.out.println(send(client, Integer.parseInt(parts[1]), parts[2], parts.length > 4 ? Integer.parseInt(parts[4]) : 1));
      System.out.flush();
    }
  }

  private static String send(ResilienceClient client, int count, String url, int threads) throws InterruptedException {
    Tally tally = new Tally();
    if (threads <= 1) {
      for (int i = 0; i < count; i++) {
        call(client, url, tally);
      }
    } else {
      java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
      for (int i = 0; i < count; i++) {
        pool.execute(() -> call(client, url, tally));
      }
      pool.shutdown();
      pool.awaitTermination(5, java.util.concurrent.TimeUnit.MINUTES);
    }
    return tally.toString(count);
  }

  private static void call(ResilienceClient client, String url, Tally tally) {
    long start = System.nanoTime();
    ResilienceClient.Answer answer = null;
    Throwable error = null;
    try {
      answer = client.get(url);
    } catch (Exception e) {
      error = e;
      while ((error instanceof ExecutionException || error instanceof CompletionException) && error.getCause() != null) {
        error = error.getCause();
      }
    }
    tally.add(answer, error, (System.nanoTime() - start) / 1_000_000);
  }

  /** The outcomes; calls from several threads add to it. */
  private static final class Tally {
    private final Map<Integer, Integer> statuses = new TreeMap<>();
    private final Map<String, Integer> errors = new TreeMap<>();
    private final Map<String, Integer> refused = new TreeMap<>();
    private final Map<String, Integer> bodies = new TreeMap<>();
    private int ok;
    private int faults;
    private long maxMillis;

    synchronized void add(ResilienceClient.Answer answer, Throwable error, long millis) {
      maxMillis = Math.max(maxMillis, millis);
      if (error != null) {
        errors.merge(error.getClass().getSimpleName(), 1, Integer::sum);
        return;
      }
      statuses.merge(answer.status(), 1, Integer::sum);
      if (answer.status() / 100 == 2) {
        ok++;
        bodies.merge(answer.body(), 1, Integer::sum);
      }
      if (answer.refused() != null) {
        refused.merge(answer.refused(), 1, Integer::sum);
      }
      if (answer.fault() != null) {
        faults++;
      }
    }

    synchronized String toString(int count) {
      return "result ok=" + ok + " failed=" + (count - ok) + " statuses=" + statuses + " faults=" + faults + " errors=" + errors
          + " maxMillis=" + maxMillis + " refused=" + refused + " bodies=" + bodies;
    }
  }
}
