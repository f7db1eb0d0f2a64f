package dev.skein.it.apps.resilience;

import com.sun.net.httpserver.HttpServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A JDK HTTP server that counts what reaches it, and a JDK HttpClient that sends bursts; no mesh
 * code, driven on stdin.
 *
 * <pre>
 *   server: sleep MILLIS | stats   (prints "listening PORT"; stats: "stats requests=N maxConcurrent=N
 *                                    connections=N newConnections=N" since the last stats, connections
 *                                    by client port, new ones never seen before)
 *   client: burst COUNT URL async|sync|urlconnection   (COUNT requests at once: sendAsync, or send
 *                                    from COUNT threads, or HttpURLConnection from COUNT threads; prints
 *                                    "result ok=N refused={reason=N} failed=N refusedMaxMillis=N last=...")
 * </pre>
 */
public final class ConcurrencyProbe {
  private static volatile long sleepMillis;
  private static final AtomicInteger concurrent = new AtomicInteger();
  private static final AtomicInteger maxConcurrent = new AtomicInteger();
  private static final AtomicInteger requests = new AtomicInteger();
  private static final Set<Integer> clientPorts = ConcurrentHashMap.newKeySet();
  private static final Set<Integer> everSeen = ConcurrentHashMap.newKeySet();
  private static final AtomicInteger newConnections = new AtomicInteger();

  private ConcurrencyProbe() {}

  public static void main(String[] args) throws Exception {
    if (args[0].equals("server")) {
      server();
    } else {
      client();
    }
  }

  private static void server() throws Exception {
    System.setProperty("sun.net.httpserver.nodelay", "true");
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 256);
    server.setExecutor(Executors.newFixedThreadPool(100));
    server.createContext(
        "/",
        exchange -> {
          int now = concurrent.incrementAndGet();
          maxConcurrent.accumulateAndGet(now, Math::max);
          requests.incrementAndGet();
          int clientPort = exchange.getRemoteAddress().getPort();
          clientPorts.add(clientPort);
          if (everSeen.add(clientPort)) {
            newConnections.incrementAndGet();
          }
          try {
            exchange.getRequestBody().readAllBytes();
            if (sleepMillis > 0) {
              Thread.sleep(sleepMillis);
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          } finally {
            concurrent.decrementAndGet();
          }
          byte[] body = "ok".getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    server.start();
    System.out.println("listening " + server.getAddress().getPort());
    System.out.flush();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line; (line = in.readLine()) != null; ) {
      String[] parts = line.trim().split("\\s+");
      if (parts[0].equals("sleep")) {
        sleepMillis = Long.parseLong(parts[1]);
      } else if (parts[0].equals("stats")) {
        System.out.println(
            "stats requests=" + requests.getAndSet(0) + " maxConcurrent=" + maxConcurrent.getAndSet(0) + " connections=" + clientPorts.size()
                + " newConnections=" + newConnections.getAndSet(0));
        clientPorts.clear();
      }
      System.out.println("ok");
      System.out.flush();
    }
  }

  private static void client() throws Exception {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    System.out.println("ready");
    System.out.flush();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line; (line = in.readLine()) != null; ) {
      String[] parts = line.trim().split("\\s+");
      int count = Integer.parseInt(parts[1]);
      HttpRequest request = HttpRequest.newBuilder(URI.create(parts[2])).timeout(Duration.ofSeconds(30)).build();
      List<CompletableFuture<Outcome>> outcomes = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        long start = System.nanoTime();
        if (parts[3].equals("async")) {
          outcomes.add(
              client.sendAsync(request, HttpResponse.BodyHandlers.ofString()).handle((r, e) -> Outcome.of(r, e, start)));
        } else {
          CompletableFuture<Outcome> f = new CompletableFuture<>();
          boolean urlConnection = parts[3].equals("urlconnection");
          Thread t =
              new Thread(
                  () -> {
                    try {
                      f.complete(
                          urlConnection
                              ? urlConnection(parts[2], start)
                              : Outcome.of(client.send(request, HttpResponse.BodyHandlers.ofString()), null, start));
                    } catch (Exception e) {
                      f.complete(Outcome.of(null, e, start));
                    }
                  });
          t.start();
          outcomes.add(f);
        }
      }
      int ok = 0;
      int failed = 0;
      long refusedMaxMillis = 0;
      Map<String, Integer> refused = new TreeMap<>();
      String last = "";
      for (CompletableFuture<Outcome> f : outcomes) {
        Outcome o = f.join();
        if (o.status == 200) {
          ok++;
        } else if (o.refusal != null) {
          refused.merge(o.refusal, 1, Integer::sum);
          refusedMaxMillis = Math.max(refusedMaxMillis, o.millis);
        } else {
          failed++;
          last = o.error;
        }
      }
      System.out.println("result ok=" + ok + " refused=" + refused + " failed=" + failed + " refusedMaxMillis=" + refusedMaxMillis + " last=" + last);
      System.out.flush();
    }
  }

  /** One GET with {@code java.net.HttpURLConnection}: a refusal is read as any server's answer. */
  private static Outcome urlConnection(String url, long start) throws java.io.IOException {
    java.net.HttpURLConnection connection = (java.net.HttpURLConnection) URI.create(url).toURL().openConnection();
    connection.setConnectTimeout(10_000);
    connection.setReadTimeout(30_000);
    int status = connection.getResponseCode();
    try (java.io.InputStream in = status < 400 ? connection.getInputStream() : connection.getErrorStream()) {
      if (in != null) {
        in.readAllBytes();
      }
    }
    return new Outcome(status, connection.getHeaderField("x-skein-refused"), "status " + status, (System.nanoTime() - start) / 1_000_000);
  }

  private record Outcome(int status, String refusal, String error, long millis) {
    static Outcome of(HttpResponse<String> r, Throwable e, long start) {
      long millis = (System.nanoTime() - start) / 1_000_000;
      if (r == null) {
        return new Outcome(0, null, String.valueOf(e), millis);
      }
      return new Outcome(r.statusCode(), r.headers().firstValue("x-skein-refused").orElse(null), "status " + r.statusCode(), millis);
    }
  }
}
