package dev.skein.api;

import java.time.Duration;
import java.util.Set;

/**
 * Retry policy of a rule.
 *
 * @param attempts      retries after the first try, 0..100
 * @param perTryTimeout timeout of each try; null means the rule's timeout only
 * @param retryOn       conditions that trigger a retry, from {@link #CONDITIONS}; never empty
 */
public record Retries(int attempts, Duration perTryTimeout, Set<String> retryOn) {

    /** Every condition {@code retryOn} accepts: HTTP and connection conditions, then gRPC status codes. */
    public static final Set<String> CONDITIONS = Set.of(
            "5xx", "gateway-error", "connect-failure", "reset", "retriable-status-codes", "refused-stream",
            "cancelled", "deadline-exceeded", "internal", "resource-exhausted", "unavailable");

    /** Used when {@code retryOn} is omitted: failures where the request surely never reached the application. */
    public static final Set<String> DEFAULT_RETRY_ON = Set.of("connect-failure", "refused-stream", "unavailable");

    /** Immutable copy; null conditions mean the defaults. */
    public Retries {
        retryOn = retryOn == null ? DEFAULT_RETRY_ON : Set.copyOf(retryOn);
    }
}
