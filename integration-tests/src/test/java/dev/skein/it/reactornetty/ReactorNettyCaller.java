package dev.skein.it.reactornetty;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import reactor.netty.http.client.HttpClient;

/**
 * A plain Reactor Netty {@code HttpClient} (no mesh code, no TLS settings), driven on stdin:
 * {@code send COUNT URL [with-send]} makes the calls one after the other (with {@code with-send},
 * each GET goes through a send callback, as Spring WebClient sends every request) and answers
 * {@code result ok=N failed=N statuses={200=..} faults=N errors={Name=..} minMillis=M maxMillis=M bodies={...}}.
 */
public final class ReactorNettyCaller {
  private ReactorNettyCaller() {}

  record Answer(int status, String fault, String body) {}

  public static void main(String[] args) throws Exception {
    HttpClient client = HttpClient.create();
    System.out.println("ready " + HttpClient.class.getPackage().getImplementationVersion());
    System.out.flush();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line; (line = in.readLine()) != null; ) {
      String[] p = line.trim().split("\\s+");
      Map<Integer, Integer> statuses = new TreeMap<>();
      Map<String, Integer> errors = new TreeMap<>();
      Map<String, Integer> bodies = new TreeMap<>();
      int ok = 0;
      int faults = 0;
      long min = Long.MAX_VALUE;
      long max = 0;
      int count = Integer.parseInt(p[1]);
      boolean withSend = p.length > 3 && p[3].equals("with-send");
      for (int i = 0; i < count; i++) {
        long start = System.nanoTime();
        try {
          HttpClient.ResponseReceiver<?> request =
              withSend ? client.request(io.netty.handler.codec.http.HttpMethod.GET).uri(p[2]).send((req, out) -> out) : client.get().uri(p[2]);
          Answer a =
              request
                  .responseSingle(
                      (r, body) ->
                          body.asString()
                              .defaultIfEmpty("")
                              .map(b -> new Answer(r.status().code(), r.responseHeaders().get("x-skein-fault"), b)))
                  .block(Duration.ofSeconds(30));
          statuses.merge(a.status(), 1, Integer::sum);
          if (a.status() == 200) {
            ok++;
            bodies.merge(a.body(), 1, Integer::sum);
          }
          if (a.fault() != null) {
            faults++;
          }
        } catch (Exception e) {
          errors.merge(reactor.core.Exceptions.unwrap(e).getClass().getSimpleName(), 1, Integer::sum);
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        min = Math.min(min, millis);
        max = Math.max(max, millis);
      }
      System.out.println("result ok=" + ok + " failed=" + (count - ok) + " statuses=" + statuses + " faults=" + faults + " errors=" + errors
          + " minMillis=" + min + " maxMillis=" + max + " bodies=" + bodies);
      System.out.flush();
    }
  }
}
