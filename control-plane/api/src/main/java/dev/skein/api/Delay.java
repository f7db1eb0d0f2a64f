package dev.skein.api;

import java.time.Duration;
import java.util.Objects;

/**
 * Injected latency.
 *
 * @param percent    percent of requests delayed, 0..100
 * @param fixedDelay how long
 */
public record Delay(double percent, Duration fixedDelay) {
    /** The delay is required. */
    public Delay {
        Objects.requireNonNull(fixedDelay, "fixedDelay");
    }
}
