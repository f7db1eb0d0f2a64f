package dev.skein.bootstrap;

import java.util.concurrent.ThreadLocalRandom;

/**
 * One logical client call under the mesh's policy, whatever the library: fault injection, the
 * overall deadline, the per-try timeout, admission by the destination's breaker and bulkhead
 * before each try, the outcome of each try reported back (outlier detection, LEAST_REQUEST), and
 * the retry decision (retryOn conditions, idempotency, replayable body, the retry budget, jittered
 * exponential backoff, another endpoint). {@link ClientCalls} drives it; a library supplies only a
 * {@link ClientExchange}. Not thread-safe: the tries of one call run one after the other.
 */
public final class MeshCall {
  /** Bodies up to this size are replayed for a retry; larger or unknown-length bodies are not. */
  public static final long MAX_REPLAY_BYTES = 64 * 1024;

  /** {@link #retryDelay} answer: do not retry, hand back the last outcome. */
  public static final long STOP = -1;

  /** {@link #retryDelay} answer: a retry would pass the overall deadline, surface a timeout. */
  public static final long TIMED_OUT = -2;

  private static final long BACKOFF_BASE_MILLIS = 25;
  private static final long BACKOFF_MAX_MILLIS = 250;

  private OutboundRoute route;
  private final CallPolicy policy;
  private final boolean idempotent;
  private String notReplayable;
  private final long deadline;
  private final Object telemetry;
  private int attempt;
  private long tryStart;
  private String decision;
  // The route whose endpoint slot this call holds for its current try, or null.
  private OutboundRoute slotRoute;
  // Whether that slot is beyond the endpoint's established connections (CallControl.OPENING).
  private boolean slotOpening;

  /**
   * @param method the HTTP method
   * @param bodyLength the request body's length in bytes, 0 for none, -1 when unknown
   * @param replayable whether the library can send the body again (known length, not one-shot)
   * @param telemetry the call's telemetry handle from {@link Bridge#clientStart}, or {@code null}
   */
  public MeshCall(OutboundRoute route, String method, long bodyLength, boolean replayable, Object telemetry) {
    this.route = route;
    this.policy = route.policy();
    this.idempotent = !"POST".equals(method) && !"PATCH".equals(method);
    this.notReplayable = notReplayable(bodyLength, replayable);
    this.deadline = policy == null || policy.timeoutMillis() <= 0 ? 0 : System.nanoTime() + policy.timeoutMillis() * 1_000_000;
    this.telemetry = telemetry;
  }

  private static String notReplayable(long bodyLength, boolean replayable) {
    if (bodyLength > MAX_REPLAY_BYTES) {
      return "body-over-64KiB";
    }
    return bodyLength < 0 || !replayable ? "body-not-replayable" : null;
  }

  /**
   * The request body as it turned out after the call began, for a library that learns it only
   * once the application has written it (HttpURLConnection buffers the body after connecting).
   */
  public void body(long bodyLength, boolean replayable) {
    notReplayable = notReplayable(bodyLength, replayable);
  }

  /** The endpoint of the current (or next) try. */
  public OutboundRoute route() {
    return route;
  }

  /** The telemetry handle of the logical call, or {@code null}. */
  public Object telemetry() {
    return telemetry;
  }

  /** Tries made so far, the current one included. */
  public int attempt() {
    return attempt;
  }

  /** Why the last try ended the call or was retried ({@code retry:5xx}, {@code not-retried:body-over-64KiB}...), or {@code null}. */
  public String decision() {
    return decision;
  }

  /** Rolls the dice: the injected delay before the call leaves, 0 for none. */
  public long faultDelayMillis() {
    return policy != null && policy.delayNow() ? policy.delayMillis() : 0;
  }

  /** Rolls the dice: the HTTP status of an injected abort, 0 for none. */
  public int faultAbortStatus() {
    return policy != null && policy.abortHttpStatus() > 0 && policy.abortNow() ? policy.abortHttpStatus() : 0;
  }

  /**
   * Before each try: the breaker first (fail fast while open), then the bulkhead, which takes a
   * slot that {@link #finished} gives back.
   *
   * @return {@code null} to send, else why the mesh refuses ({@code circuit-open}, {@code overloaded})
   */
  public String admit() {
    attempt++;
    String refusal = route.permit();
    if (refusal == null) {
      refusal = route.admit();
    }
    if (refusal != null) {
      releaseSlot();
    }
    decision = refusal == null ? null : "refused:" + refusal;
    tryStart = System.nanoTime();
    return refusal;
  }

  /** The timeout for this try: {@code perTryTimeout}, never past the overall deadline; 0 for none. */
  public long perTryMillis() {
    if (policy == null) {
      return 0;
    }
    long perTry = policy.perTryTimeoutMillis();
    if (deadline != 0) {
      long remaining = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
      perTry = perTry <= 0 ? remaining : Math.min(perTry, remaining);
    }
    return perTry;
  }

  /** The end of an admitted try: its HTTP status, or 0 for a failure without a response. */
  public void finished(int status) {
    route.finished(status, System.nanoTime() - tryStart);
    OutboundRoute held = slotRoute;
    if (held != null) {
      slotRoute = null;
      held.release(slotOpening, status);
    }
  }

  // === per-endpoint slots (maxRequestsPerEndpoint), taken before admit() ===

  /**
   * A slot on the current try's endpoint, under slow start ({@link CallControl#take}).
   *
   * @param waiter {@code null}: do not queue
   * @return {@code null}: go; {@link CallControl#QUEUED}: {@code waiter} will be granted (then
   *     call {@link #slotGranted}); {@link CallControl#FULL}; or a refusal reason
   */
  public String acquireSlot(SlotWaiter waiter) {
    String answer = route.take(waiter);
    if (answer == null || answer == CallControl.OPENING) {
      slotRoute = route;
      slotOpening = answer != null;
      return null;
    }
    return answer;
  }

  /** The queued try's waiter was granted: this call holds the slot now. */
  public void slotGranted() {
    slotGranted(false);
  }

  /** The queued try's waiter was granted ({@link SlotWaiter#granted(boolean)}): this call holds the slot now. */
  public void slotGranted(boolean opening) {
    slotRoute = route;
    slotOpening = opening;
  }

  /** Gives the slot back, if this call holds one; idempotent. */
  public void releaseSlot() {
    OutboundRoute held = slotRoute;
    if (held != null) {
      slotRoute = null;
      held.release(slotOpening, -1);
    }
  }

  /** Takes a queued waiter out of the queue; {@code false} when it was granted meanwhile. */
  public boolean cancelWait(SlotWaiter waiter) {
    return route.cancel(waiter);
  }

  /** The call's overall deadline ({@link System#nanoTime()}), 0 for none: a wait for a slot ends there. */
  public long deadlineNanos() {
    return deadline;
  }

  /** A try refused before {@link #admit()} (the slot queue is full): counted as a refused try. */
  public String refused(String reason) {
    attempt++;
    decision = "refused:" + reason;
    tryStart = System.nanoTime();
    return reason;
  }

  /**
   * After a finished try: whether to try again, and when. On a retry the call moves to another
   * endpoint of the destination.
   *
   * @param status the try's HTTP status, 0 when it failed without a response
   * @param failure what the try threw, or {@code null}
   * @return the backoff in milliseconds before the next try, or {@link #STOP}, or {@link #TIMED_OUT}
   */
  public long retryDelay(int status, Throwable failure) {
    String condition = condition(status, failure);
    if (condition == null) {
      decision = null;
      return STOP;
    }
    if (!retryable(condition, status)) {
      decision = policy == null || policy.attempts() == 0 ? null : "not-retried:" + condition;
      return STOP;
    }
    if (attempt > policy.attempts()) {
      decision = "not-retried:attempts-exhausted";
      return STOP;
    }
    if (deadline != 0 && System.nanoTime() - deadline >= 0) {
      decision = "not-retried:deadline";
      return STOP;
    }
    if (!idempotent && !condition.equals("connect-failure")) {
      decision = "not-retried:non-idempotent";
      return STOP;
    }
    if (notReplayable != null) {
      decision = "not-retried:" + notReplayable;
      return STOP;
    }
    if (!route.tryRetry()) {
      decision = "not-retried:budget-exhausted";
      return STOP;
    }
    long cap = Math.min(BACKOFF_MAX_MILLIS, BACKOFF_BASE_MILLIS << Math.min(attempt - 1, 10));
    long sleep = ThreadLocalRandom.current().nextLong(cap + 1); // full jitter
    if (deadline != 0 && System.nanoTime() + sleep * 1_000_000 - deadline >= 0) {
      decision = "not-retried:deadline";
      return TIMED_OUT;
    }
    decision = "retry:" + condition;
    route = route.reroute();
    return sleep;
  }

  private boolean retryable(String condition, int status) {
    return policy != null
        && policy.attempts() > 0
        && (policy.retryOn(condition)
            || (condition.equals("gateway-error") && policy.retryOn("5xx"))
            || (policy.retryOn("retriable-status-codes") && status >= 500));
  }

  /** The retryOn condition an outcome meets, or {@code null} for a success or a client error. */
  static String condition(int status, Throwable failure) {
    if (failure != null) {
      String name = failure.getClass().getSimpleName();
      if (failure instanceof java.net.ConnectException || name.equals("HttpConnectTimeoutException") || name.equals("ConnectTimeoutException")) {
        return "connect-failure";
      }
      if (failure instanceof java.net.SocketTimeoutException || name.equals("HttpTimeoutException") || name.equals("ReadTimeoutException")) {
        return "5xx"; // Envoy retries a per-try timeout under 5xx
      }
      return name.contains("Interrupted") || name.contains("Cancel") ? null : "reset";
    }
    if (status == 502 || status == 503 || status == 504) {
      return "gateway-error";
    }
    return status >= 500 ? "5xx" : null;
  }
}
