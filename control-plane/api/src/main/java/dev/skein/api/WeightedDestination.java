package dev.skein.api;

import java.util.Objects;

/**
 * A destination and its share of a rule's traffic.
 *
 * @param destination where to send
 * @param weight      percent of the rule's traffic, 0..100; the weights of a rule sum to 100
 */
public record WeightedDestination(Destination destination, int weight) {
    /** The destination is required. */
    public WeightedDestination {
        Objects.requireNonNull(destination, "destination");
    }
}
