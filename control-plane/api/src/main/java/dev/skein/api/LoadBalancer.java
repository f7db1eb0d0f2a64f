package dev.skein.api;

import java.util.Objects;

/**
 * Load balancing for a host.
 *
 * @param simple         the algorithm
 * @param consistentHash set exactly when {@code simple} is {@link LbPolicy#RING_HASH}
 */
public record LoadBalancer(LbPolicy simple, ConsistentHash consistentHash) {
    /** The algorithm is required. */
    public LoadBalancer {
        Objects.requireNonNull(simple, "simple");
    }
}
