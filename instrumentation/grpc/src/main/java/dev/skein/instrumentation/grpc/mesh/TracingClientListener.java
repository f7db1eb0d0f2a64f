package dev.skein.instrumentation.grpc.mesh;

import dev.skein.bootstrap.Bridge;
import io.grpc.ClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.Status;

/** Ends the call's client span and metrics when the call closes, with its gRPC status. */
final class TracingClientListener<RespT> extends ForwardingClientCallListener.SimpleForwardingClientCallListener<RespT> {
  private final Object call;

  TracingClientListener(ClientCall.Listener<RespT> delegate, Object call) {
    super(delegate);
    this.call = call;
  }

  @Override
  public void onClose(Status status, Metadata trailers) {
    Bridge.clientEnd(call, status.getCode().value(), null);
    super.onClose(status, trailers);
  }
}
