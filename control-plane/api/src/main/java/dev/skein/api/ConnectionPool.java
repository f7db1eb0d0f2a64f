package dev.skein.api;

/**
 * Concurrency limit towards a host, per client instance.
 *
 * @param maxConcurrentRequests at least 1; more are rejected at once (bulkhead)
 */
public record ConnectionPool(int maxConcurrentRequests) {
}
