package dev.skein.api;

import java.time.Duration;
import java.util.Objects;

/**
 * Ejection of failing endpoints. Omitted fields take the defaults in parentheses.
 *
 * @param consecutive5xxErrors errors in a row that eject an endpoint, at least 1 (5)
 * @param interval             how often ejections are reconsidered (10s)
 * @param baseEjectionTime     first ejection length, multiplied by the number of ejections (30s)
 * @param maxEjectionPercent   most endpoints that may be ejected at once, 0..100 (10)
 */
public record OutlierDetection(int consecutive5xxErrors, Duration interval, Duration baseEjectionTime,
                               int maxEjectionPercent) {
    /** Durations are required. */
    public OutlierDetection {
        Objects.requireNonNull(interval, "interval");
        Objects.requireNonNull(baseEjectionTime, "baseEjectionTime");
    }
}
