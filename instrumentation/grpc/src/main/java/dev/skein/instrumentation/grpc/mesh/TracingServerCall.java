package dev.skein.instrumentation.grpc.mesh;

import dev.skein.bootstrap.Bridge;
import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.Status;

/** Ends the server span and metrics when the application closes the call. */
final class TracingServerCall<ReqT, RespT> extends ForwardingServerCall.SimpleForwardingServerCall<ReqT, RespT> {
  private final Object call;

  TracingServerCall(ServerCall<ReqT, RespT> delegate, Object call) {
    super(delegate);
    this.call = call;
  }

  @Override
  public void close(Status status, Metadata trailers) {
    Bridge.serverEnd(call, status.getCode().value(), null);
    super.close(status, trailers);
  }
}
