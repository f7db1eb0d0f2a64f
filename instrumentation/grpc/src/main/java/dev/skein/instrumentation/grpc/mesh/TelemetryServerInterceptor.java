package dev.skein.instrumentation.grpc.mesh;

import dev.skein.bootstrap.Bridge;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/** A server span (parent from the call's metadata) and {@code rpc.server.duration} per call. */
public final class TelemetryServerInterceptor implements ServerInterceptor {
  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> serverCall, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    String fullMethod = serverCall.getMethodDescriptor().getFullMethodName();
    Object call = Bridge.serverStart(null, "grpc", fullMethod, fullMethod, new MetadataHeaders(headers), peer(serverCall));
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
}
