package dev.skein.it.demo;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * The demo's {@code frontend} (JDK HttpServer): every page asks {@code http://orders/} over
 * OkHttp, passing the caller's {@code x-canary} header on, and answers what orders answered.
 * No mesh code. Prints {@code listening PORT}.
 */
public final class FrontendServer {
  private FrontendServer() {}

  public static void main(String[] args) throws Exception {
    OkHttpClient orders = new OkHttpClient.Builder().callTimeout(10, TimeUnit.SECONDS).build();
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
    server.setExecutor(Executors.newFixedThreadPool(8));
    server.createContext("/", exchange -> {
      Request.Builder request = new Request.Builder().url("http://orders/api/orders");
      String canary = exchange.getRequestHeaders().getFirst("x-canary");
      if (canary != null) {
        request.header("x-canary", canary);
      }
      try (Response response = orders.newCall(request.build()).execute()) {
        answer(exchange, response.code(), response.body() == null ? "" : response.body().string());
      } catch (IOException e) {
        answer(exchange, 502, "orders: " + e);
      }
    });
    server.start();
    System.out.println("listening " + server.getAddress().getPort());
  }

  private static void answer(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }
}
