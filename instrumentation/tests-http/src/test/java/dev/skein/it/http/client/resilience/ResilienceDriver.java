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
 *   send COUNT URL LIBRARY
 * </pre>
 *
 * calls one after the other and answers {@code result ok=N failed=N statuses={200=..}
 * faults=N errors={HttpTimeoutException=..} maxMillis=M refused={circuit-open=..}}: ok counts
 * 2xx, faults counts answers with {@code x-skein-fault}, refused counts answers with
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
      ResilienceClient client = parts.length == 4 && parts[0].equals("send") ? clients.get(parts[3]) : null;
      if (client == null) {
        System.out.println("error unknown command: " + line);
        System.out.flush();
        continue;
      }
      System.out.println(send(client, Integer.parseInt(parts[1]), parts[2]));
      System.out.flush();
    }
  }

  private static String send(ResilienceClient client, int count, String url) {
    Map<Integer, Integer> statuses = new TreeMap<>();
    Map<String, Integer> errors = new TreeMap<>();
    Map<String, Integer> refused = new TreeMap<>();
    int ok = 0;
    int faults = 0;
    long maxMillis = 0;
    for (int i = 0; i < count; i++) {
      long start = System.nanoTime();
      try {
        ResilienceClient.Answer answer = client.get(url);
        statuses.merge(answer.status(), 1, Integer::sum);
        if (answer.status() / 100 == 2) {
          ok++;
        }
        if (answer.refused() != null) {
          refused.merge(answer.refused(), 1, Integer::sum);
        }
        if (answer.fault() != null) {
          faults++;
        }
      } catch (Exception e) {
        Throwable t = e;
        while ((t instanceof ExecutionException || t instanceof CompletionException) && t.getCause() != null) {
          t = t.getCause();
        }
        errors.merge(t.getClass().getSimpleName(), 1, Integer::sum);
      }
      maxMillis = Math.max(maxMillis, (System.nanoTime() - start) / 1_000_000);
    }
    return "result ok=" + ok + " failed=" + (count - ok) + " statuses=" + statuses + " faults=" + faults + " errors=" + errors
        + " maxMillis=" + maxMillis + " refused=" + refused;
  }
}
