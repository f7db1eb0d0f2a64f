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
}
