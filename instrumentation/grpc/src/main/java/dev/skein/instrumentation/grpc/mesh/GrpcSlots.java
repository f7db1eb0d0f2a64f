package dev.skein.instrumentation.grpc.mesh;

import dev.skein.bootstrap.CallControl;
import dev.skein.bootstrap.OutboundRoute;
import dev.skein.bootstrap.SlotWaiter;
import io.grpc.Deadline;
import io.grpc.Metadata;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code maxRequestsPerEndpoint} for gRPC, without blocking a thread: a call whose endpoint is
 * full is held at the pick (gRPC buffers it) with a waiter in the engine's queue; the stream that
 * frees the slot grants it, and the balancer publishes a fresh picker, which picks the call again
 * and sends it with that slot. A call is known across picks by its headers object, as for
 * {@link FaultDelays}. A call that finds a slot free takes it at the pick, so that two calls
 * picked at once cannot both see the last slot free and send one over the limit; its stream
 * claims it. A call that goes away after its pick or while it waits (its deadline, a cancel, a
 * pick gRPC drops before any stream) is not told to the balancer: a slot held for it and not
 * claimed by a stream within {@link #CLAIM_MILLIS} is given back. The deadline is known, though: a
 * waiting call leaves the queue when its deadline passes, and a slot granted to a call already
 * past it goes on to the next waiter at once. Without that, under overload the queue fills with
 * calls that have already failed, each granted slot sits unclaimed for the claim time, and the
 * endpoint serves a few calls a second long after the load is gone.
 */
final class GrpcSlots {
  static final long CLAIM_MILLIS = 2_000;

  private final Map<Metadata, Waiter> waiting = Collections.synchronizedMap(new WeakHashMap<>());
  /** Calls queued and not granted yet, so that a pick with nothing queued takes no lock. */
  private final AtomicInteger queued = new AtomicInteger();
  private final ScheduledExecutorService timer;
  private final Runnable repick;

  GrpcSlots(ScheduledExecutorService timer, Runnable repick) {
    this.timer = timer;
    this.repick = repick;
  }

  /**
   * The pick of a call to a limited destination.
   *
   * @return a {@link Waiter} holding a slot on {@link Waiter#route} (free now, or granted after
   *     a wait), which the call's first stream claims; {@code null} while the call waits; or
   *     {@link #REFUSED}
   */
  Object pick(Metadata headers, OutboundRoute route, Deadline deadline) {
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
      return held(new Waiter(route, null));
    }
    if (answer == CallControl.FULL) {
      w = new Waiter(route, deadline);
      w.enterQueue(); // before it can be granted, so that the count never misses its leaving
      answer = route.acquire(w);
      if (answer != CallControl.QUEUED) {
        w.leaveQueue();
      }
      if (answer == CallControl.QUEUED) {
        waiting.put(headers, w);
        if (deadline != null) {
          Waiter queued = w;
          timer.schedule(() -> queued.expire(headers), Math.max(0, deadline.timeRemaining(TimeUnit.NANOSECONDS)), TimeUnit.NANOSECONDS);
        }
        return null;
      }
      if (answer == null) {
        return held(w);
      }
    }
    return REFUSED;
  }

  /** A slot taken at the pick: the call's stream claims it, or it is given back after the claim time. */
  private Waiter held(Waiter w) {
    w.set(Waiter.GRANTED);
    timer.schedule(w::unclaimed, CLAIM_MILLIS, TimeUnit.MILLISECONDS);
    return w;
  }

  /** Whether the call with these headers is queued for a slot and not granted one yet. */
  boolean waiting(Metadata headers) {
    if (queued.get() == 0) {
      return false; // the common case: nothing waits, no lock taken
    }
    Waiter w = waiting.get(headers);
    return w != null && w.get() == Waiter.WAITING;
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
    private final Deadline deadline; // of a queued call, or null
    private final AtomicBoolean inQueue = new AtomicBoolean();

    Waiter(OutboundRoute route, Deadline deadline) {
      this.route = route;
      this.deadline = deadline;
    }

    void enterQueue() {
      if (inQueue.compareAndSet(false, true)) {
        queued.incrementAndGet();
      }
    }

    void leaveQueue() {
      if (inQueue.compareAndSet(true, false)) {
        queued.decrementAndGet();
      }
    }

    @Override
    public void granted() {
      leaveQueue();
      if (deadline != null && deadline.isExpired()) {
        set(ABANDONED); // its call has failed already: the slot goes on to the next waiter
      }
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

    /** The call will not go out after all (the breaker refused it): the slot goes back now. */
    void giveBack() {
      if (compareAndSet(GRANTED, ABANDONED)) {
        route.release();
      }
    }

    /** The call's deadline passed while it waited: out of the queue, unless it was granted meanwhile. */
    void expire(Metadata headers) {
      if (get() == WAITING && route.cancel(this)) {
        leaveQueue();
        set(ABANDONED);
        waiting.remove(headers, this);
      }
    }

    private void unclaimed() {
      if (compareAndSet(GRANTED, ABANDONED)) {
        route.release();
      }
    }
  }
}
