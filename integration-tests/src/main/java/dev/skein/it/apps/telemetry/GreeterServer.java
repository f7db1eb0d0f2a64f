package dev.skein.it.apps.telemetry;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.stub.ServerCalls;

/**
 * Service C of the telemetry chain: a gRPC server answering {@code hello <request>}, followed by
 * {@code  baggage=<value>} when the call's metadata carried a {@code baggage} header (what the
 * caller propagated), and failing with {@code INVALID_ARGUMENT} a request that contains
 * {@code fail}. Prints {@code listening PORT}.
 */
public final class GreeterServer {
  private static final Metadata.Key<String> BAGGAGE = Metadata.Key.of("baggage", Metadata.ASCII_STRING_MARSHALLER);
  private static final Context.Key<String> RECEIVED_BAGGAGE = Context.key("baggage");

  private GreeterServer() {}

  public static void main(String[] args) throws Exception {
    ServerServiceDefinition service =
        ServerServiceDefinition.builder(GreeterApi.SERVICE)
            .addMethod(
                GreeterApi.GREET,
                ServerCalls.asyncUnaryCall(
                    (request, response) -> {
                      if (request.contains("fail")) {
                        response.onError(Status.INVALID_ARGUMENT.withDescription("asked to fail").asRuntimeException());
                        return;
                      }
                      String baggage = RECEIVED_BAGGAGE.get();
                      response.onNext("hello " + request + (baggage == null ? "" : " baggage=" + baggage));
                      response.onCompleted();
                    }))
            .build();
    Server server = ServerBuilder.forPort(0).addService(ServerInterceptors.intercept(service, new BaggageReader())).build().start();
    System.out.println("listening " + server.getPort());
    server.awaitTermination();
  }

  /** Puts the received {@code baggage} header where the handler reads it. */
  private static final class BaggageReader implements ServerInterceptor {
    @Override
    public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
      return Contexts.interceptCall(Context.current().withValue(RECEIVED_BAGGAGE, headers.get(BAGGAGE)), call, headers, next);
    }
  }
}
