package dev.skein.core.resilience;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the client knows about one endpoint of one service, kept across snapshots (a new snapshot
 * must not forget an ejection or the calls in flight): in-flight calls for LEAST_REQUEST and the
 * outlier-detection state.
 */
public final class EndpointHealth {
  final AtomicInteger inFlight = new AtomicInteger();
  final AtomicInteger consecutiveErrors = new AtomicInteger();
  private final EndpointSlots slots = new EndpointSlots();
  private volatile long ejectedUntilNanos;
  private volatile long ejectedAtNanos;
  private int ejections;
  /** When the last ejection ended (its time ran out, or a success ended it early). */
  private long healthySinceNanos;

  public void inFlightIncrement() {
    inFlight.incrementAndGet();
  }

  public void inFlightDecrement() {
    inFlight.decrementAndGet();
  }

  public int inFlight() {
    return inFlight.get();
  }

  /** The endpoint's slots under {@code maxRequestsPerEndpoint}, and the tries waiting for one. */
  public EndpointSlots slots() {
    return slots;
  }

  public boolean isEjected(long nowNanos) {
    long until = ejectedUntilNanos;
    return until != 0 && nowNanos - until < 0;
  }

  /**
   * Ejects for {@code base} times the number of ejections so far (capped), as Envoy does; as in
   * Envoy, that count goes down by one for each {@code interval} the endpoint stayed healthy since
   * its last ejection ended, so that an endpoint that failed once a day ago is not punished as a
   * repeat offender.
   */
  synchronized void eject(long nowNanos, long baseNanos, long intervalNanos) {
    if (ejections > 0 && intervalNanos > 0) {
      long lastEnd = ejectedUntilNanos != 0 ? ejectedUntilNanos : healthySinceNanos;
      long healthyIntervals = Math.max(0, nowNanos - lastEnd) / intervalNanos;
      ejections = (int) Math.max(0, ejections - healthyIntervals);
    }
    ejections = Math.min(ejections + 1, MAX_MULTIPLIER);
    ejectedAtNanos = nowNanos;
    ejectedUntilNanos = nowNanos + baseNanos * ejections;
    consecutiveErrors.set(0);
  }

  /**
   * Ends an ejection early: a call sent to the endpoint after it was ejected (a retry that had
   * no other endpoint left, or panic mode) succeeded, so the endpoint is evidently back. A call
   * already in flight when the endpoint was ejected proves nothing and leaves it ejected.
   *
   * @param sentAtNanos when the successful call left
   * @return whether this ended an ejection
   */
  synchronized boolean returnIfSentSinceEjection(long sentAtNanos, long nowNanos) {
    if (!isEjected(nowNanos) || sentAtNanos - ejectedAtNanos <= 0) {
      return false;
    }
    ejectedUntilNanos = 0;
    healthySinceNanos = nowNanos;
    return true;
  }

  int ejections() {
    return ejections;
  }

  /** Ejection time never grows past ten times the base (Envoy caps it at 300 s by default). */
  private static final int MAX_MULTIPLIER = 10;
}
