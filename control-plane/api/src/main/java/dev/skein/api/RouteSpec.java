package dev.skein.api;

import java.util.List;
import java.util.Objects;

/**
 * Outbound routing for one host.
 *
 * @param host the host callers use ({@code orders}); DNS-1123
 * @param http the rules in order; never empty
 */
public record RouteSpec(String host, List<HttpRule> http) implements PolicySpec {
    /** Immutable copy. */
    public RouteSpec {
        Objects.requireNonNull(host, "host");
        http = List.copyOf(http);
    }
}
