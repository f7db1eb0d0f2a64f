package dev.skein.it.apps;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

/**
 * A plain JDK HTTP server with no mesh code: it answers every request with its {@code version}
 * (from the {@code ECHO_VERSION} variable) so that tests can count where requests went, after
 * {@code ECHO_DELAY_MS} (default 0).
 * Prints {@code listening <port>} once it serves.
 */
public final class EchoServer {
  private EchoServer() {}

  public static void main(String[] args) throws IOException {
    // Without it, keep-alive responses wait ~40 ms for a delayed ACK.
    System.setProperty("sun.net.httpserver.nodelay", "true");
    String version = System.getenv().getOrDefault("ECHO_VERSION", "none");
    // A handler that takes a while keeps requests in flight (graceful shutdown tests).
    long delayMs = Long.parseLong(System.getenv().getOrDefault("ECHO_DELAY_MS", "0"));
    int port = args.length > 0 ? Integer.parseInt(args[0]) : 0;
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 128);
    server.setExecutor(Executors.newFixedThreadPool(8));
    server.createContext(
        "/",
        exchange -> {
          exchange.getRequestBody().readAllBytes();
          if (delayMs > 0) {
            try {
              Thread.sleep(delayMs);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
          byte[] body = version.getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().set("Content-Type", "text/plain");
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    server.start();
    System.out.println("listening " + server.getAddress().getPort());
    System.out.flush();
  }
}
