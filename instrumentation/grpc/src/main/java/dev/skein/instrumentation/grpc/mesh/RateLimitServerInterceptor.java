package dev.skein.instrumentation.grpc.mesh;

import dev.skein.bootstrap.AgentFaults;
import dev.skein.bootstrap.Bridge;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.internal.ServerImplBuilder;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * The server side of this instance's RateLimitPolicy: a call past the rate is closed at once
 * with {@code RESOURCE_EXHAUSTED}, before the application's handler sees it.
 */
public final class RateLimitServerInterceptor implements ServerInterceptor {
  static final Status LIMITED = Status.RESOURCE_EXHAUSTED.withDescription("skein: rate limited");
  private static final Map<Object, Boolean> WIRED = Collections.synchronizedMap(new WeakHashMap<>());

  /** Called by the advice before a server is built; once per builder. */
  public static void install(Object builder) {
    try {
      if (WIRED.put(builder, Boolean.TRUE) == null) {
        ((ServerImplBuilder) builder).intercept(new RateLimitServerInterceptor());
      }
    } catch (Throwable t) {
      AgentFaults.record("grpc-rate-limit", t);
    }
  }

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
      ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    if (Bridge.admitInbound("grpc")) {
      return next.startCall(call, headers);
    }
    call.close(LIMITED, new Metadata());
    return new Refused<>();
  }

  /** The listener of a refused call: nothing more happens to it. */
  static final class Refused<ReqT> extends ServerCall.Listener<ReqT> {}
}
