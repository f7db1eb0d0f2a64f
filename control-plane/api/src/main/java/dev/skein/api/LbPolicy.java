package dev.skein.api;

/** Load-balancing algorithms. */
public enum LbPolicy {
    /** Each endpoint in turn. */
    ROUND_ROBIN,
    /** Uniformly at random. */
    RANDOM,
    /** The fewer outstanding requests the better (power of two choices). */
    LEAST_REQUEST,
    /** Consistent hashing on a header; requires {@link ConsistentHash}. */
    RING_HASH
}
