package dev.skein.it.bench;

import dev.skein.it.support.GrpcMarshallers;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ServerCalls;

/**
 * The per-library benchmark's gRPC service, {@code bench.Echo/Echo}: a unary call that answers
 * the request's bytes, written by hand with a {@code byte[]} marshaller (no protoc). Its
 * {@link #main} is the server: plaintext, no mesh code, prints {@code listening <port>}.
 */
public final class GrpcEcho {
  static final MethodDescriptor.Marshaller<byte[]> BYTES = GrpcMarshallers.BYTES;

  static final MethodDescriptor<byte[], byte[]> ECHO =
      MethodDescriptor.<byte[], byte[]>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName(MethodDescriptor.generateFullMethodName("bench.Echo", "Echo"))
          .setRequestMarshaller(BYTES)
          .setResponseMarshaller(BYTES)
          .build();

  private GrpcEcho() {}

  public static void main(String[] args) throws Exception {
    ServerServiceDefinition echo =
        ServerServiceDefinition.builder("bench.Echo")
            .addMethod(ECHO, ServerCalls.asyncUnaryCall((byte[] request, io.grpc.stub.StreamObserver<byte[]> out) -> {
              out.onNext(request);
              out.onCompleted();
            }))
            .build();
    Server server = ServerBuilder.forPort(0).addService(echo).build().start();
    System.out.println("listening " + server.getPort());
    System.out.flush();
    server.awaitTermination();
  }
}
