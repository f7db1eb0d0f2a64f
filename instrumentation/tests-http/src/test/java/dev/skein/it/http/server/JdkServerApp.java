package dev.skein.it.http.server;

import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

/** The JDK's {@code com.sun.net.httpserver.HttpServer} on 127.0.0.1 port 0, answering its version. */
public final class JdkServerApp {
  private JdkServerApp() {}

  public static void main(String[] args) throws Exception {
    byte[] body = ServerApp.version().getBytes(StandardCharsets.UTF_8);
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
    server.createContext(
        "/",
        exchange -> {
          exchange.getResponseHeaders().set("Content-Type", "text/plain");
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    server.setExecutor(Executors.newFixedThreadPool(8));
    server.start();
    ServerApp.serve(
        new ServerApp.Running() {
          @Override
          public int port() {
            return server.getAddress().getPort();
          }

          @Override
          public void stop() {
            server.stop(0);
          }
        },
        System.getProperty("java.version"));
  }
}
