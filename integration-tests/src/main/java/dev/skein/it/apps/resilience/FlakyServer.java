package dev.skein.it.apps.resilience;

import com.sun.net.httpserver.HttpServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A plain JDK HTTP server with no mesh code that can be told, on stdin, to fail or to be slow:
 *
 * <pre>
 *   fail PERCENT   answer 500 to that share of requests, at random
 *   sleep MILLIS   wait that long before every answer
 *   count          print "count N": requests received since the last count
 *   bodies         print "bodies {BODY=N, ..}": request bodies received since the last bodies, by
 *                  body (one over 64 bytes as "LENGTH:SHA-256 in hex"), so a test checks the bytes
 * </pre>
 *
 * Answers its {@code ECHO_VERSION} otherwise (followed by {@code :} and the request body when the
 * request has one, so a test sees the body that arrived). Prints {@code listening <port>} once it serves and
 * {@code ok} after each command.
 */
public final class FlakyServer {
  private static volatile double failPercent;
  private static volatile long sleepMillis;
  private static final AtomicLong received = new AtomicLong();
  private static final Map<String, Integer> bodies = new TreeMap<>();

  private FlakyServer() {}

  public static void main(String[] args) throws IOException {
    System.setProperty("sun.net.httpserver.nodelay", "true");
    String version = System.getenv().getOrDefault("ECHO_VERSION", "none");
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 256);
    server.setExecutor(Executors.newFixedThreadPool(16));
    server.createContext(
        "/",
        exchange -> {
          received.incrementAndGet();
          byte[] request = exchange.getRequestBody().readAllBytes();
          if (request.length > 0) {
            synchronized (bodies) {
              bodies.merge(key(request), 1, Integer::sum);
            }
          }
          if (sleepMillis > 0) {
            try {
              Thread.sleep(sleepMillis);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
          boolean fail = ThreadLocalRandom.current().nextDouble(100.0) < failPercent;
          String answer = request.length == 0 ? version : version + ":" + new String(request, StandardCharsets.UTF_8);
          byte[] body = (fail ? "failed" : answer).getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(fail ? 500 : 200, body.length);
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
      switch (parts[0]) {
        case "fail" -> failPercent = Double.parseDouble(parts[1]);
        case "sleep" -> sleepMillis = Long.parseLong(parts[1]);
        case "count" -> System.out.println("count " + received.getAndSet(0));
        case "bodies" -> {
          synchronized (bodies) {
            System.out.println("bodies " + bodies);
            bodies.clear();
          }
        }
        default -> System.out.println("error unknown command: " + line);
      }
      System.out.println("ok");
      System.out.flush();
    }
  }

  /** A body as the {@code bodies} command names it: itself when short, else its length and digest. */
  public static String key(byte[] body) {
    if (body.length <= 64) {
      return new String(body, StandardCharsets.UTF_8);
    }
    try {
      return body.length + ":" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
