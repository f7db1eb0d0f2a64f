package dev.skein.bootstrap;

/**
 * The engine's one answer to an inbound request, asked before the server's handler runs: proceed
 * (with the telemetry handle to end when the response is complete) or refuse (rate limit,
 * authorization). A refused request's telemetry is already ended by the engine; the server
 * library only writes the refusal: {@link #httpStatus()} or {@link #grpcStatus()} and the
 * {@code x-skein-refused: }{@link #reason()} header.
 */
public final class InboundDecision {
  /** Proceed, unobserved (no telemetry handle). */
  public static final InboundDecision PROCEED = new InboundDecision(null, 0, 0, null);

  /** Refused by the RateLimitPolicy: 429 / RESOURCE_EXHAUSTED. */
  public static final InboundDecision RATE_LIMITED = new InboundDecision("rate-limited", 429, 8, null);

  /** Refused by an AuthorizationPolicy, or because authorization could not decide: 403 / PERMISSION_DENIED. */
  public static final InboundDecision DENIED = new InboundDecision("denied", 403, 7, null);

  private final String reason;
  private final int httpStatus;
  private final int grpcStatus;
  private final Object call;

  private InboundDecision(String reason, int httpStatus, int grpcStatus, Object call) {
    this.reason = reason;
    this.httpStatus = httpStatus;
    this.grpcStatus = grpcStatus;
    this.call = call;
  }

  /** Proceed; {@code call} (may be {@code null}) is ended with {@link Bridge#serverEnd}. */
  public static InboundDecision proceed(Object call) {
    return call == null ? PROCEED : new InboundDecision(null, 0, 0, call);
  }

  public boolean refused() {
    return reason != null;
  }

  /** {@code rate-limited} or {@code denied}; {@code null} when the request proceeds. */
  public String reason() {
    return reason;
  }

  public int httpStatus() {
    return httpStatus;
  }

  /** The gRPC status code: 8 (RESOURCE_EXHAUSTED) or 7 (PERMISSION_DENIED). */
  public int grpcStatus() {
    return grpcStatus;
  }

  /** The telemetry handle of a request that proceeds, or {@code null}. */
  public Object call() {
    return call;
  }
}
