package dev.skein.instrumentation.grpc.mesh;

import dev.skein.bootstrap.CallPolicy;
import io.grpc.Metadata;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Fault injection's delay for gRPC, without blocking a thread: a call the dice pick is held at the
 * pick (gRPC buffers it, nothing leaves) and the balancer publishes a fresh picker when its delay
 * is over, which picks it again and lets it go. A call is known across picks by its headers
 * object, which gRPC keeps for the call's buffered stream; entries go with the call.
 */
final class FaultDelays {
  private static final Long RELEASED = Long.MIN_VALUE;

  private final Map<Metadata, Long> held = Collections.synchronizedMap(new WeakHashMap<>());
  private final ScheduledExecutorService timer;
  private final Runnable repick;

  /**
   * @param timer the channel's own scheduler
   * @param repick publishes a fresh picker (on the channel's synchronization context)
   */
  FaultDelays(ScheduledExecutorService timer, Runnable repick) {
    this.timer = timer;
    this.repick = repick;
  }

  /** Whether this call must wait now: rolls the dice at its first pick, then holds it until its delay is over. */
  boolean hold(Metadata headers, CallPolicy policy) {
    Long until = held.get(headers);
    if (until == null) {
      if (!policy.delayNow()) {
        return false;
      }
      held.put(headers, System.nanoTime() + policy.delayMillis() * 1_000_000);
      dev.skein.bootstrap.Bridge.grpcCallFault(new MetadataHeaders(headers), "delay", policy.delayMillis());
      timer.schedule(repick, policy.delayMillis(), TimeUnit.MILLISECONDS);
      return true;
    }
    if (until.equals(RELEASED)) {
      return false;
    }
    if (System.nanoTime() - until >= 0) {
      held.put(headers, RELEASED);
      return false;
    }
    return true;
  }
}
