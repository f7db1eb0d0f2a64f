package dev.skein.api;

import java.util.Objects;

/**
 * What {@link LbPolicy#RING_HASH} hashes.
 *
 * @param httpHeaderName the header whose value picks the endpoint; lower-case
 */
public record ConsistentHash(String httpHeaderName) {
    /** The header is required. */
    public ConsistentHash {
        Objects.requireNonNull(httpHeaderName, "httpHeaderName");
    }
}
