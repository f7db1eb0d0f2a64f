package dev.skein.it.apps.telemetry;

import com.sun.net.httpserver.HttpServer;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.stub.ClientCalls;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

/**
 * Service B of the telemetry chain: a JDK HttpServer whose every request calls the gRPC service
 * named by the first argument (a mesh target such as {@code greeter}) and answers its reply.
 * Prints {@code listening PORT}.
 */
public final class FrontServer {
  private FrontServer() {}

  public static void main(String[] args) throws Exception {
    ManagedChannel channel = ManagedChannelBuilder.forTarget(args[0]).usePlaintext().build();
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    server.setExecutor(Executors.newFixedThreadPool(4));
    server.createContext(
        "/",
        exchange -> {
          int status = 200;
          String body;
          try {
            body = ClientCalls.blockingUnaryCall(channel, GreeterApi.GREET, io.grpc.CallOptions.DEFAULT, exchange.getRequestURI().getPath());
          } catch (RuntimeException e) {
            status = 502;
            body = e.toString();
          }
          byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(status, bytes.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
          }
        });
    server.start();
    System.out.println("listening " + server.getAddress().getPort());
  }
}
