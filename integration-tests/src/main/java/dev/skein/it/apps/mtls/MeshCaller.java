package dev.skein.it.apps.mtls;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A plain {@code java.net.http} client (no mesh code, no TLS settings), driven on stdin:
 *
 * <pre>
 *   send COUNT URL                       one client, kept-alive connections
 *   load SECONDS THREADS FRESH_EVERY URL continuous requests; each thread takes a new client
 *                                        (so a new connection and handshake) every FRESH_EVERY requests,
 *                                        the last request of a client with "Connection: close"
 *   bench SECONDS THREADS FRESH_EVERY URL the same, timed: adds rps, latency p50/p99 (µs) and this
 *                                        process's CPU per request (µs)
 * </pre>
 *
 * and answers {@code result ok=N failed=N bodies={...} error=... [rps=.. p50=.. p99=.. cpu=..]}.
 * With {@code -Dskein.it.tls.keystore=...} (see {@link AppTls}) its clients use that TLS context
 * for {@code https} URLs (TLS 1.3, the JDK's default trust manager).
 */
public final class MeshCaller {
  // TLS of the application's own for https URLs (benchmarks without the agent; see AppTls), or null.
  private static javax.net.ssl.SSLContext ownTls;

  private MeshCaller() {}

  public static void main(String[] args) throws Exception {
    // Before the JDK's HttpClient reads it: lets the last request of a client this app drops say
    // "Connection: close" (see call).
    System.setProperty("jdk.httpclient.allowRestrictedHeaders", "connection");
    ownTls = AppTls.context();
    HttpClient shared = client();
    System.out.println("ready");
    System.out.flush();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line; (line = in.readLine()) != null; ) {
      String[] p = line.trim().split("\\s+");
      Map<String, Integer> bodies = new ConcurrentHashMap<>();
      AtomicInteger ok = new AtomicInteger();
      AtomicInteger failed = new AtomicInteger();
      String[] error = {""};
      String timing = "";
      if (p[0].equals("send")) {
        for (int i = 0; i < Integer.parseInt(p[1]); i++) {
          call(shared, URI.create(p[2]), false, ok, failed, bodies, error);
        }
      } else if (p[0].equals("load") || p[0].equals("bench")) {
        long end = System.nanoTime() + Duration.ofSeconds(Long.parseLong(p[1])).toNanos();
        int freshEvery = Integer.parseInt(p[3]);
        URI uri = URI.create(p[4]);
        boolean timed = p[0].equals("bench");
        List<long[]> latencies = new java.util.concurrent.CopyOnWriteArrayList<>();
        long cpuBefore = cpuNanos();
        long started = System.nanoTime();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < Integer.parseInt(p[2]); t++) {
          Thread thread =
              new Thread(
                  () -> {
                    HttpClient client = client();
                    long[] mine = new long[1 << 20];
                    int count = 0;
                    for (int n = 1; System.nanoTime() < end; n++) {
                      if (n % freshEvery == 0) {
                        client = client();
                      }
                      long t0 = System.nanoTime();
                      call(client, uri, (n + 1) % freshEvery == 0, ok, failed, bodies, error);
                      if (timed && count < mine.length) {
                        mine[count++] = System.nanoTime() - t0;
                      }
                    }
                    latencies.add(java.util.Arrays.copyOf(mine, count));
                  });
          thread.start();
          threads.add(thread);
        }
        for (Thread t : threads) {
          t.join();
        }
        if (timed) {
          double seconds = (System.nanoTime() - started) / 1e9;
          long cpu = cpuNanos() - cpuBefore;
          long[] all = latencies.stream().flatMapToLong(java.util.Arrays::stream).sorted().toArray();
          int n = Math.max(1, all.length);
          timing =
              String.format(
                  " rps=%.0f p50=%d p99=%d cpu=%.1f",
                  ok.get() / seconds, all.length == 0 ? 0 : all[n / 2] / 1000, all.length == 0 ? 0 : all[(int) (n * 0.99)] / 1000,
                  cpu / 1000.0 / Math.max(1, ok.get() + failed.get()));
        }
      } else {
        System.out.println("error unknown command: " + line);
        System.out.flush();
        continue;
      }
      System.out.println(
          "result ok=" + ok + " failed=" + failed + " bodies=" + new TreeMap<>(bodies) + " error=" + error[0].replace('\n', ' ').replace(' ', '_')
              + timing);
      System.out.flush();
    }
  }

  private static long cpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }

  private static HttpClient client() {
    HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3));
    if (ownTls != null) {
      builder.sslContext(ownTls).sslParameters(new javax.net.ssl.SSLParameters(null, new String[] {"TLSv1.3"}));
    }
    return builder.build();
  }

  /**
   * @param last whether the client is dropped after this request: it asks the server to close the
   *     connection once it answered. Java 17's {@code HttpClient} has no {@code close()}, and the
   *     connections of dropped clients would otherwise stay open until a GC collects the clients;
   *     hundreds of them left idle on a JDK {@code HttpServer} reach its cap of idle connections
   *     ({@code sun.net.httpserver.maxIdleConnections}, 200), past which it closes every kept-alive
   *     connection after its answer: a later phase over kept-alive connections would pay a new
   *     connection and TLS handshake per request.
   */
  private static void call(
      HttpClient client, URI uri, boolean last, AtomicInteger ok, AtomicInteger failed, Map<String, Integer> bodies, String[] error) {
    try {
      HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5));
      if (last) {
        request.header("Connection", "close");
      }
      HttpResponse<String> r = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() == 200) {
        ok.incrementAndGet();
        bodies.merge(r.body(), 1, Integer::sum);
      } else {
        failed.incrementAndGet();
        error[0] = "status " + r.statusCode();
      }
    } catch (Exception e) {
      failed.incrementAndGet();
      error[0] = e.toString();
    }
  }
}
