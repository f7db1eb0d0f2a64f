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
 * Two more paths show what goes out on the wire: {@code /headers} answers the propagation headers
 * it received ({@code traceparent}, {@code tracestate}, {@code baggage}, one {@code name=value} a
 * line), and {@code /apache/...} or {@code /apache-async/...} answers what {@code /headers} of
 * the mesh service {@code front} (this service) answers to Apache HttpClient 5, classic or async.
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
          String path = exchange.getRequestURI().getPath();
          try {
            if (path.equals("/headers")) {
              StringBuilder headers = new StringBuilder();
              for (String name : new String[] {"traceparent", "tracestate", "baggage"}) {
                headers.append(name).append('=').append(exchange.getRequestHeaders().getFirst(name)).append('\n');
              }
              body = headers.toString();
            } else if (path.startsWith("/apache/") || path.startsWith("/apache-async/")) {
              String[] answer = ApacheChainCalls.get(path.substring(1, path.indexOf('/', 1)), "http://front/headers");
              status = Integer.parseInt(answer[0]);
              body = answer[1];
            } else {
              body = ClientCalls.blockingUnaryCall(channel, GreeterApi.GREET, io.grpc.CallOptions.DEFAULT, path);
            }
          } catch (Exception e) {
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
