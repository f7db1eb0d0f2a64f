package dev.skein.instrumentation.grpc.mesh;

import dev.skein.bootstrap.AgentFaults;
import io.grpc.ManagedChannelBuilder;
import io.grpc.internal.ServerImplBuilder;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * Called by the advice before a channel or a server is built: adds the telemetry interceptors,
 * outermost (added last), once per builder.
 */
public final class MeshTelemetry {
  private static final Map<Object, Boolean> WIRED = Collections.synchronizedMap(new WeakHashMap<>());

  private MeshTelemetry() {}

  /** @param builder a {@code ManagedChannelImplBuilder}; {@code target} may be null */
  public static void channel(Object builder, String target) {
    try {
      if (WIRED.put(builder, Boolean.TRUE) == null) {
        String authority = target == null ? null : MeshChannels.authority(target);
        ((ManagedChannelBuilder<?>) builder).intercept(new TelemetryClientInterceptor(authority));
      }
    } catch (Throwable t) {
      AgentFaults.record("grpc-telemetry-channel", t);
    }
  }

  /** @param builder a {@code ServerImplBuilder}: the inbound interceptor (authorization, rate limit, telemetry) */
  public static void server(Object builder) {
    try {
      if (WIRED.put(builder, Boolean.TRUE) == null) {
        ((ServerImplBuilder) builder).intercept(new InboundServerInterceptor());
      }
    } catch (Throwable t) {
      AgentFaults.record("grpc-telemetry-server", t);
    }
  }
}
