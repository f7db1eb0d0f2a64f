package dev.skein.it.demo;

import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ServerCalls;

/** The demo's {@code inventory}: a gRPC server that reserves items. Prints {@code listening PORT}. */
public final class InventoryServer {
  private InventoryServer() {}

  public static void main(String[] args) throws Exception {
    ServerServiceDefinition service =
        ServerServiceDefinition.builder(InventoryApi.SERVICE)
            .addMethod(
                InventoryApi.RESERVE,
                ServerCalls.asyncUnaryCall(
                    (item, response) -> {
                      response.onNext("reserved " + item);
                      response.onCompleted();
                    }))
            .build();
    Server server = ServerBuilder.forPort(0).addService(service).build().start();
    System.out.println("listening " + server.getPort());
    server.awaitTermination();
  }
}
