package dev.skein.api;

/**
 * Concurrency limits towards a host, per client instance; 0 stands for a field not given
 * (unlimited).
 *
 * @param maxConcurrentRequests tries in flight to the destination; more are refused at once (bulkhead)
 * @param maxRequestsPerEndpoint tries in flight to one endpoint (with HTTP/1.1: connections to it);
 *     more wait for a slot (Istio's {@code tcp.maxConnections})
 * @param maxPendingRequests tries of the destination that may wait for a slot; more are refused
 *     at once (Istio's {@code http.http1MaxPendingRequests}); 0 with a per-endpoint limit: no bound
 */
public record ConnectionPool(int maxConcurrentRequests, int maxRequestsPerEndpoint, int maxPendingRequests) {
    /** A bulkhead only. */
    public ConnectionPool(int maxConcurrentRequests) {
        this(maxConcurrentRequests, 0, 0);
    }
}
