package dev.skein.it.grpc.apps;

import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;

/**
 * An {@code orders} gRPC server that answers every call with its version ({@code ECHO_VERSION}).
 * Argument {@code forPort}: {@code ServerBuilder.forPort(0)} (whichever transport is on the class
 * path); {@code netty}: {@code io.grpc.netty.NettyServerBuilder} on 127.0.0.1. Prints
 * {@code listening PORT}; {@code stop} on stdin shuts the server down and prints {@code stopped}.
 */
public final class GrpcOrdersServer {
  private GrpcOrdersServer() {}

  public static void main(String[] args) throws Exception {
    String version = System.getenv().getOrDefault("ECHO_VERSION", "v0");
    ServerBuilder<?> builder =
        args.length > 0 && args[0].equals("netty")
            ? NettyServer.builder()
            : ServerBuilder.forPort(0);
    Server server = builder.addService(service(version)).build().start();
    Runtime.getRuntime().addShutdownHook(new Thread(server::shutdown));
    System.out.println("listening " + server.getPort());
    // "stop" on stdin shuts the server down while the JVM lives on.
    java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(System.in, java.nio.charset.StandardCharsets.UTF_8));
    for (String line; (line = in.readLine()) != null; ) {
      if (line.trim().equals("stop")) {
        server.shutdown().awaitTermination();
        System.out.println("stopped");
      }
    }
    server.awaitTermination();
  }

  static ServerServiceDefinition service(String version) {
    return ServerServiceDefinition.builder(OrdersApi.SERVICE)
        .addMethod(OrdersApi.GET, ServerCalls.asyncUnaryCall((request, response) -> reply(response, version)))
        .addMethod(
            OrdersApi.LIST,
            ServerCalls.asyncServerStreamingCall(
                (request, response) -> {
                  response.onNext(version);
                  response.onNext(version);
                  reply(response, version);
                }))
        .addMethod(
            OrdersApi.COLLECT,
            ServerCalls.asyncClientStreamingCall(
                response ->
                    new StreamObserver<String>() {
                      @Override
                      public void onNext(String value) {}

                      @Override
                      public void onError(Throwable t) {}

                      @Override
                      public void onCompleted() {
                        reply(response, version);
                      }
                    }))
        .addMethod(
            OrdersApi.CHAT,
            ServerCalls.asyncBidiStreamingCall(
                response ->
                    new StreamObserver<String>() {
                      @Override
                      public void onNext(String value) {
                        response.onNext(version);
                      }

                      @Override
                      public void onError(Throwable t) {}

                      @Override
                      public void onCompleted() {
                        response.onCompleted();
                      }
                    }))
        .build();
  }

  private static void reply(StreamObserver<String> response, String version) {
    response.onNext(version);
    response.onCompleted();
  }

  /** A class of its own so that the shaded-only class path never loads grpc-netty's builder. */
  private static final class NettyServer {
    static ServerBuilder<?> builder() {
      return io.grpc.netty.NettyServerBuilder.forAddress(new java.net.InetSocketAddress("127.0.0.1", 0));
    }
  }
}
