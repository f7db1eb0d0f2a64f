package dev.skein.bootstrap;

/**
 * The engine's handle on the endpoint a call was sent to: in-flight counting for LEAST_REQUEST,
 * outcomes for outlier detection and the circuit breaker, admission (breaker, bulkhead) and the
 * retry budget. Implemented by the engine; callers go through {@link OutboundRoute}, which
 * catches anything it throws.
 */
public interface CallControl {
  /**
   * Admits the call or refuses it.
   *
   * @return {@code null} to proceed, else the reason ({@code circuit-open}, {@code overloaded})
   */
  String admit();

  /**
   * Asks the destination's circuit breaker for this call, before {@link #admit()} (gRPC asks at
   * the pick, admits when the stream starts). A permitted call ends with {@link #finished}, or
   * with a refusing {@link #admit()}, which gives the permission back.
   *
   * @return {@code null} to proceed, else {@code circuit-open}
   */
  default String permit() {
    return null;
  }

  /** Records the end of an admitted call: an HTTP status (gRPC: mapped), or 0 for a connection failure or reset. */
  void finished(int status, long durationNanos);

  /** Takes one retry from the destination's budget; {@code false} when the budget is spent. */
  boolean tryRetry();

  /** Another endpoint of the same destination (this one when it is alone), for a retry of {@code previous}. */
  OutboundRoute reroute(OutboundRoute previous);

  /** {@link #acquire} answer: the waiter is queued; {@link SlotWaiter#granted} will follow. */
  String QUEUED = "queued";

  /** {@link #acquire} answer without a waiter: every slot of the endpoint is taken. */
  String FULL = "full";

  /**
   * Takes a slot for one try on this endpoint under the destination's
   * {@code maxRequestsPerEndpoint}, before {@link #permit()} and {@link #admit()}. A slot taken
   * is given back with {@link #release()}, once, however the try ends.
   *
   * @param waiter {@code null}: never wait, answer {@link #FULL} when no slot is free
   * @return {@code null}: go now (a slot is taken, or the destination sets no limit);
   *     {@link #QUEUED}: {@code waiter} waits in the destination's queue for this endpoint;
   *     {@link #FULL}; or why the mesh refuses the try ({@code pending-overflow})
   */
  default String acquire(SlotWaiter waiter) {
    return null;
  }

  /**
   * Whether the destination sets {@code maxRequestsPerEndpoint} now: without it {@link #acquire}
   * always answers go, and a caller that keeps state per slot (gRPC's pick) can skip it.
   */
  default boolean limitsEndpoints() {
    return false;
  }

  /** Gives back the slot that {@link #acquire} took (nothing when no limit applies); the next waiter gets it. */
  default void release() {}

  /**
   * {@link #take} answer (and {@link SlotWaiter#granted(boolean)}): the slot is taken, beyond
   * the connections the client evidently holds to the endpoint, so under HTTP/1.1 this try
   * likely opens a connection. Go as for {@code null}; end with {@link #release(boolean, int)}.
   */
  String OPENING = "opening";

  /**
   * As {@link #acquire}, for a client that binds a try to the connection it opens for it (the
   * HTTP call path): only a few tries beyond the connections the client evidently holds go at once
   * (slow start), the others wait for a slot that frees on an established one. Such a try ends
   * with {@link #release(boolean, int)}.
   *
   * @return as {@link #acquire}, or {@link #OPENING} (taken)
   */
  default String take(SlotWaiter waiter) {
    return acquire(waiter);
  }

  /**
   * Gives back the slot of a try that ended with {@code status} (0: no response): a response to
   * an {@code opening} try proves one more connection; a failed try on an established one has
   * likely closed it.
   */
  default void release(boolean opening, int status) {
    release();
  }

  /**
   * Takes a queued waiter out of the queue (its call's deadline passed).
   *
   * @return {@code true}: it will never be granted; {@code false}: it was granted meanwhile and
   *     owns a slot, which it must use or {@link #release()}
   */
  default boolean cancel(SlotWaiter waiter) {
    return true;
  }
}
