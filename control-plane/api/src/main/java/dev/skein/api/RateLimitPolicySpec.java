package dev.skein.api;

/**
 * Server-side rate limit, enforced by each instance on its own: over it, HTTP 429 or gRPC RESOURCE_EXHAUSTED.
 *
 * @param selector          nullable: the whole namespace
 * @param requestsPerSecond steady rate, greater than 0
 * @param burst             extra requests allowed above the steady rate, at least 0 (default 0)
 */
public record RateLimitPolicySpec(Selector selector, double requestsPerSecond, int burst) implements PolicySpec {
}
