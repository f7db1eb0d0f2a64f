package dev.skein.instrumentation.grpc.mesh;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.MethodDescriptor;

/** A client span and {@code rpc.client.duration} for every call on one channel. */
public final class TelemetryClientInterceptor implements ClientInterceptor {
  private final String authority;
  private final String host;
  private final int port;

  TelemetryClientInterceptor(String authority) {
    this.authority = authority;
    this.host = authority == null ? null : MeshChannels.host(authority);
    int colon = authority == null ? -1 : authority.lastIndexOf(':');
    int p = -1;
    if (colon > 0) {
      try {
        p = Integer.parseInt(authority.substring(colon + 1));
      } catch (NumberFormatException ignored) {
        // no port
      }
    }
    this.port = p;
  }

  @Override
  public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(MethodDescriptor<ReqT, RespT> method, CallOptions callOptions, Channel next) {
    if (callOptions.getOption(MirrorClientInterceptor.COPY_TO) != null) {
      return next.newCall(method, callOptions); // a Route mirror's copy: no span of its own
    }
    String target = host != null ? authority : next.authority();
    String h = host != null ? host : MeshChannels.host(target);
    return new TracingClientCall<>(next.newCall(method, callOptions), method.getFullMethodName(), target, h, port);
  }
}
