package dev.skein.api;

import java.time.Duration;
import java.util.Objects;

/**
 * Circuit breaker towards a host. Omitted fields take the defaults in parentheses.
 *
 * @param failureRateThreshold failure percentage that opens the circuit, 1..100 (50)
 * @param minimumCalls         calls needed before the rate counts, at least 1 (100)
 * @param openStateDuration    how long the circuit stays open (60s)
 */
public record CircuitBreakerSettings(float failureRateThreshold, int minimumCalls, Duration openStateDuration) {
    /** The duration is required. */
    public CircuitBreakerSettings {
        Objects.requireNonNull(openStateDuration, "openStateDuration");
    }
}
