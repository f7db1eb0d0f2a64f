package dev.skein.api;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How to reach one host's endpoints.
 *
 * @param host             the service ({@code orders})
 * @param subsets          named groups of endpoints selected by labels; may be empty
 * @param loadBalancer     nullable: the engine's default
 * @param connectionPool   nullable: unlimited
 * @param outlierDetection nullable: no ejection
 * @param circuitBreaker   nullable: no circuit breaker
 * @param tls              nullable: {@link TlsMode#MESH}
 */
public record DestinationPolicySpec(String host, List<Subset> subsets, LoadBalancer loadBalancer,
                                    ConnectionPool connectionPool, OutlierDetection outlierDetection,
                                    CircuitBreakerSettings circuitBreaker, Tls tls) implements PolicySpec {

    /** Immutable copy. */
    public DestinationPolicySpec {
        Objects.requireNonNull(host, "host");
        subsets = subsets == null ? List.of() : List.copyOf(subsets);
    }

    /** The subset with this name. */
    public Optional<Subset> subset(String name) {
        return subsets.stream().filter(s -> s.name().equals(name)).findFirst();
    }
}
