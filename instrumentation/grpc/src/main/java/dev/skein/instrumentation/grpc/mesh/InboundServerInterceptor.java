package dev.skein.instrumentation.grpc.mesh;

import dev.skein.bootstrap.Bridge;
import dev.skein.bootstrap.InboundDecision;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.security.cert.Certificate;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * The engine's inbound decision for every call, before the application's handler sees it: a call
 * the authorization or rate-limit policy refuses is closed at once with PERMISSION_DENIED or
 * RESOURCE_EXHAUSTED; any other gets a server span (parent from the call's metadata) and
 * {@code rpc.server.duration}. The peer's certificates come from the transport's TLS session.
 */
public final class InboundServerInterceptor implements ServerInterceptor {
  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> serverCall, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    String fullMethod = serverCall.getMethodDescriptor().getFullMethodName();
    InboundDecision decision =
        Bridge.inbound(null, "grpc", fullMethod, fullMethod, new MetadataHeaders(headers), peer(serverCall), peerCertificates(serverCall));
    if (decision.refused()) {
      serverCall.close(Status.fromCodeValue(decision.grpcStatus()).withDescription("skein: " + decision.reason()), new Metadata());
      return new Refused<>();
    }
    Object call = decision.call();
    if (call == null) {
      return next.startCall(serverCall, headers);
    }
    ServerCall.Listener<ReqT> listener;
    Object token = Bridge.attach(call);
    try {
      listener = next.startCall(new TracingServerCall<>(serverCall, call), headers);
    } finally {
      Bridge.detach(token);
    }
    return new TracingServerListener<>(listener, call);
  }

  private static String peer(ServerCall<?, ?> call) {
    try {
      SocketAddress remote = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
      return remote instanceof InetSocketAddress ? ((InetSocketAddress) remote).getAddress().getHostAddress() : null;
    } catch (RuntimeException e) {
      return null;
    }
  }

  private static Certificate[] peerCertificates(ServerCall<?, ?> call) {
    try {
      SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
      return session == null ? null : session.getPeerCertificates();
    } catch (SSLPeerUnverifiedException | RuntimeException noClientCertificate) {
      return null;
    }
  }

  /** The listener of a refused call: nothing more happens to it. */
  static final class Refused<ReqT> extends ServerCall.Listener<ReqT> {}
}
