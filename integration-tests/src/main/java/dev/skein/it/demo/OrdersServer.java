package dev.skein.it.demo;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The demo's {@code orders} (JDK HttpServer), one version per process (the first argument):
 * every order reserves its item from {@code inventory} over gRPC, by mesh name, and answers its
 * version; 503 when the reservation fails. No mesh code: the agent does the rest. Prints
 * {@code listening PORT}.
 */
public final class OrdersServer {
  private OrdersServer() {}

  public static void main(String[] args) throws Exception {
    String version = args[0];
    // Built at the first order, when inventory is a known mesh service (the agent looks at a
    // channel's target once, when it is built).
    ManagedChannel[] inventory = new ManagedChannel[1];
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
    server.setExecutor(Executors.newFixedThreadPool(8));
    server.createContext("/", exchange -> {
      try {
        synchronized (inventory) {
          if (inventory[0] == null) {
            inventory[0] = ManagedChannelBuilder.forTarget("inventory").usePlaintext().build();
          }
        }
        ClientCalls.blockingUnaryCall(
            inventory[0], InventoryApi.RESERVE, CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS), "item-1");
        answer(exchange, 200, version);
      } catch (StatusRuntimeException e) {
        answer(exchange, 503, version + " inventory: " + e.getStatus().getCode());
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
