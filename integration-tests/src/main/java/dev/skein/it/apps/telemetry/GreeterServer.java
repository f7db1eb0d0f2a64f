package dev.skein.it.apps.telemetry;

import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ServerCalls;

/** Service C of the telemetry chain: a gRPC server answering {@code hello <request>}. Prints {@code listening PORT}. */
public final class GreeterServer {
  private GreeterServer() {}

  public static void main(String[] args) throws Exception {
    ServerServiceDefinition service =
        ServerServiceDefinition.builder(GreeterApi.SERVICE)
            .addMethod(
                GreeterApi.GREET,
                ServerCalls.asyncUnaryCall(
                    (request, response) -> {
                      response.onNext("hello " + request);
                      response.onCompleted();
                    }))
            .build();
    Server server = ServerBuilder.forPort(0).addService(service).build().start();
    System.out.println("listening " + server.getPort());
    server.awaitTermination();
  }
}
