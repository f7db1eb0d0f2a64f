package dev.skein.bootstrap;

import java.util.concurrent.ThreadLocalRandom;

/**
 * What the matched Route rule asks of one call besides its destination: fault injection, retries
 * and timeouts, compiled once per snapshot. Immutable; java.base types only, so that helpers in
 * any class loader can read it.
 */
public final class CallPolicy {
  private final double abortPercent;
  private final int abortHttpStatus;
  private final String abortGrpcStatus;
  private final double delayPercent;
  private final long delayMillis;
  private final int attempts;
  private final long perTryTimeoutMillis;
  private final long timeoutMillis;
  private final String retryOn;

  /**
   * @param abortHttpStatus 0 when the abort names only a gRPC status
   * @param abortGrpcStatus an {@code io.grpc.Status.Code} name, or {@code null}
   * @param attempts retries after the first try (Istio's meaning), 0 for none
   * @param perTryTimeoutMillis 0 for none
   * @param timeoutMillis 0 for none
   * @param retryOn the conditions, comma-separated as written in the policy
   */
  public CallPolicy(
      double abortPercent,
      int abortHttpStatus,
      String abortGrpcStatus,
      double delayPercent,
      long delayMillis,
      int attempts,
      long perTryTimeoutMillis,
      long timeoutMillis,
      String retryOn) {
    this.abortPercent = abortPercent;
    this.abortHttpStatus = abortHttpStatus;
    this.abortGrpcStatus = abortGrpcStatus;
    this.delayPercent = delayPercent;
    this.delayMillis = delayMillis;
    this.attempts = attempts;
    this.perTryTimeoutMillis = perTryTimeoutMillis;
    this.timeoutMillis = timeoutMillis;
    this.retryOn = retryOn == null ? "" : "," + retryOn.replace(" ", "") + ",";
  }

  /** Rolls the dice for this call: whether it is aborted by fault injection. */
  public boolean abortNow() {
    return abortPercent > 0 && ThreadLocalRandom.current().nextDouble(100.0) < abortPercent;
  }

  /** Rolls the dice for this call: whether it is delayed by fault injection. */
  public boolean delayNow() {
    return delayPercent > 0 && delayMillis > 0 && ThreadLocalRandom.current().nextDouble(100.0) < delayPercent;
  }

  public int abortHttpStatus() {
    return abortHttpStatus;
  }

  /** {@code null} when the abort names only an HTTP status. */
  public String abortGrpcStatus() {
    return abortGrpcStatus;
  }

  public long delayMillis() {
    return delayMillis;
  }

  /** Retries after the first try. */
  public int attempts() {
    return attempts;
  }

  public long perTryTimeoutMillis() {
    return perTryTimeoutMillis;
  }

  public long timeoutMillis() {
    return timeoutMillis;
  }

  /** Whether {@code retryOn} lists this condition ({@code 5xx}, {@code connect-failure}, {@code unavailable}...). */
  public boolean retryOn(String condition) {
    return retryOn.contains("," + condition + ",");
  }

  /** The raw {@code retryOn} list, comma-separated, without spaces. */
  public String retryOnList() {
    return retryOn.length() <= 2 ? "" : retryOn.substring(1, retryOn.length() - 1);
  }
}
