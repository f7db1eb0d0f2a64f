package dev.skein.instrumentation.grpc.mesh;

import dev.skein.bootstrap.Bridge;
import io.grpc.ForwardingServerCallListener;
import io.grpc.ServerCall;

/**
 * Makes the server span current while the application's handler runs (so that its own outbound
 * calls are children), and ends the span of a call the client cancelled.
 */
final class TracingServerListener<ReqT> extends ForwardingServerCallListener.SimpleForwardingServerCallListener<ReqT> {
  // gRPC's code for CANCELLED.
  private static final int CANCELLED = 1;
  private final Object call;

  TracingServerListener(ServerCall.Listener<ReqT> delegate, Object call) {
    super(delegate);
    this.call = call;
  }

  @Override
  public void onMessage(ReqT message) {
    Object token = Bridge.attach(call);
    try {
      super.onMessage(message);
    } finally {
      Bridge.detach(token);
    }
  }

  @Override
  public void onHalfClose() {
    Object token = Bridge.attach(call);
    try {
      super.onHalfClose();
    } finally {
      Bridge.detach(token);
    }
  }

  @Override
  public void onCancel() {
    Bridge.serverEnd(call, CANCELLED, null);
    super.onCancel();
  }
}
