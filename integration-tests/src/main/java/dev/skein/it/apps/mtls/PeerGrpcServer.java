package dev.skein.it.apps.mtls;

import dev.skein.it.apps.telemetry.GreeterApi;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ServerCalls;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLSession;

/**
 * A plaintext gRPC server (no mesh code, no TLS of its own) whose {@code Greet} answers who called,
 * as gRPC shows it: the SPIFFE ID of the peer certificate in {@code Grpc.TRANSPORT_ATTR_SSL_SESSION},
 * or {@code plaintext}. Prints {@code listening <port>}.
 */
public final class PeerGrpcServer {
  private static final Context.Key<String> PEER = Context.key("peer");

  private PeerGrpcServer() {}

  public static void main(String[] args) throws Exception {
    ServerInterceptor peer =
        new ServerInterceptor() {
          @Override
          public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
            return Contexts.interceptCall(Context.current().withValue(PEER, describe(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION))), call, headers, next);
          }
        };
    ServerServiceDefinition greeter =
        ServerServiceDefinition.builder(GreeterApi.SERVICE)
            .addMethod(GreeterApi.GREET, ServerCalls.asyncUnaryCall((String name, io.grpc.stub.StreamObserver<String> out) -> {
              out.onNext(PEER.get());
              out.onCompleted();
            }))
            .build();
    Server server = ServerBuilder.forPort(0).addService(ServerInterceptors.intercept(greeter, peer)).build().start();
    System.out.println("listening " + server.getPort());
    System.out.flush();
    server.awaitTermination();
  }

  static String describe(SSLSession session) {
    if (session == null) {
      return "plaintext";
    }
    try {
      X509Certificate leaf = (X509Certificate) session.getPeerCertificates()[0];
      for (List<?> san : leaf.getSubjectAlternativeNames()) {
        if (Integer.valueOf(6).equals(san.get(0))) {
          return session.getProtocol() + " " + san.get(1);
        }
      }
      return session.getProtocol() + " no-spiffe-id";
    } catch (Exception e) {
      return "tls-without-peer";
    }
  }
}
