package dev.skein.instrumentation.grpc.mesh;

import dev.skein.bootstrap.Bridge;
import io.grpc.ClientCall;
import io.grpc.ForwardingClientCall;
import io.grpc.Metadata;
import java.util.HashMap;
import java.util.Map;

/**
 * Starts a client span when the call starts and writes the trace context into its metadata
 * (before the mesh picker sees it, which is how the span learns the route it took).
 */
final class TracingClientCall<ReqT, RespT> extends ForwardingClientCall.SimpleForwardingClientCall<ReqT, RespT> {
  private final String fullMethod;
  private final String authority;
  private final String host;
  private final int port;

  TracingClientCall(ClientCall<ReqT, RespT> delegate, String fullMethod, String authority, String host, int port) {
    super(delegate);
    this.fullMethod = fullMethod;
    this.authority = authority;
    this.host = host;
    this.port = port;
  }

  @Override
  public void start(Listener<RespT> listener, Metadata headers) {
    Map<String, String> inject = new HashMap<>(4);
    Object call = Bridge.clientStart("grpc", null, fullMethod, authority, host, port, inject);
    if (call == null) {
      super.start(listener, headers);
      return;
    }
    for (Map.Entry<String, String> header : inject.entrySet()) {
      Metadata.Key<String> key = MetadataHeaders.key(header.getKey());
      headers.discardAll(key);
      headers.put(key, header.getValue());
    }
    try {
      super.start(new TracingClientListener<>(listener, call), headers);
    } catch (RuntimeException | Error e) {
      Bridge.clientEnd(call, -1, e);
      throw e;
    }
  }
}
