package dev.skein.instrumentation.grpc.mesh;

import dev.skein.bootstrap.CallControl;
import dev.skein.bootstrap.OutboundRoute;
import dev.skein.bootstrap.SlotWaiter;
import io.grpc.Metadata;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code maxRequestsPerEndpoint} for gRPC, without blocking a thread: a call whose endpoint is
 * full is held at the pick (gRPC buffers it) with a waiter in the engine's queue; the stream that
 * frees the slot grants it, and the balancer publishes a fresh picker, which picks the call again
 * and sends it with that slot. A call is known across picks by its headers object, as for
 * {@link FaultDelays}. A call that goes away while it waits (its deadline, a cancel) is not told
 * to the balancer: a slot granted to it and not claimed by a stream within
 * {@link #CLAIM_MILLIS} is given back.
 */
final class GrpcSlots {
  static final long CLAIM_MILLIS = 2_000;

  private final Map<Metadata, Waiter> waiting = Collections.synchronizedMap(new WeakHashMap<>());
  private final ScheduledExecutorService timer;
  private final Runnable repick;

  GrpcSlots(ScheduledExecutorService timer, Runnable repick) {
    this.timer = timer;
    this.repick = repick;
  }

  /**
   * The pick of a call to a limited destination.
   *
   * @return {@code route} when a slot is free (the stream takes it when it starts: a slot taken
   *     at the pick could leak, since a pick is not always followed by a stream); a {@link Waiter}
   *     whose granted slot the call's first stream takes over, on {@link Waiter#route}; {@code null}
   *     while the call waits; or {@link #REFUSED}
   */
  Object pick(Metadata headers, OutboundRoute route) {
    Waiter w = waiting.get(headers);
    if (w != null) {
      int state = w.get();
      if (state == Waiter.WAITING) {
        return null;
      }
      waiting.remove(headers);
      if (state == Waiter.GRANTED) {
        return w;
      }
    }
    String answer = route.acquire(null);
    if (answer == null) {
      route.release();
      return route;
    }
    if (answer == CallControl.FULL) {
      w = new Waiter(route);
      answer = route.acquire(w);
      if (answer == CallControl.QUEUED) {
        waiting.put(headers, w);
        return null;
      }
      if (answer == null) {
        route.release();
        return route;
      }
    }
    return REFUSED;
  }

  /** {@link #pick} answer: past {@code maxPendingRequests}. */
  static final Object REFUSED = new Object();

  /** A waiting call: granted a slot, then claimed by its stream or, past the claim time, given back. */
  final class Waiter extends AtomicInteger implements SlotWaiter {
    static final int WAITING = 0;
    static final int GRANTED = 1;
    static final int CLAIMED = 2;
    static final int ABANDONED = 3;
    final OutboundRoute route;

    Waiter(OutboundRoute route) {
      this.route = route;
    }

    @Override
    public void granted() {
      if (!compareAndSet(WAITING, GRANTED)) {
        route.release();
        return;
      }
      timer.schedule(this::unclaimed, CLAIM_MILLIS, TimeUnit.MILLISECONDS);
      repick.run();
    }

    /** The call's stream takes the granted slot; {@code false} when it was given back meanwhile. */
    boolean claim() {
      return compareAndSet(GRANTED, CLAIMED);
    }

    private void unclaimed() {
      if (compareAndSet(GRANTED, ABANDONED)) {
        route.release();
      }
    }
  }
}
