package dev.skein.core.resilience;

import dev.skein.api.CircuitBreakerSettings;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;

/**
 * Builds the Resilience4j circuit breaker of one destination from its DestinationPolicy's
 * {@code circuitBreaker} settings. A count-based window: the failure rate is computed over the
 * last {@code max(minimumCalls, 100)} outcomes, and once {@code minimumCalls} are in it.
 */
final class Breakers {
  private static final int MIN_WINDOW = 100;
  /** Trial calls after the open state; the breaker closes again when they succeed. */
  private static final int MAX_HALF_OPEN_CALLS = 10;

  private Breakers() {}

  /** {@code null} when the policy configures no breaker. */
  static CircuitBreaker of(String name, CircuitBreakerSettings settings) {
    if (settings == null) {
      return null;
    }
    int minimumCalls = settings.minimumCalls() <= 0 ? 100 : settings.minimumCalls();
    float threshold = settings.failureRateThreshold() <= 0 ? 50 : Math.min(100, settings.failureRateThreshold());
    CircuitBreakerConfig config =
        CircuitBreakerConfig.custom()
            .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
            .slidingWindowSize(Math.max(minimumCalls, MIN_WINDOW))
            .minimumNumberOfCalls(minimumCalls)
            .failureRateThreshold(threshold)
            .waitDurationInOpenState(settings.openStateDuration())
            .permittedNumberOfCallsInHalfOpenState(Math.min(minimumCalls, MAX_HALF_OPEN_CALLS))
            // Outcomes arrive as statuses, not exceptions: every recorded error counts.
            .recordException(t -> true)
            // No scheduler thread: the breaker moves to half-open on the first call after the wait.
            .automaticTransitionFromOpenToHalfOpenEnabled(false)
            .build();
    return CircuitBreaker.of(name, config);
  }
}
