package dev.skein.api;

import java.time.Duration;
import java.util.List;

/**
 * One routing rule; the first rule whose match holds wins.
 *
 * @param name    optional, for logs and metrics
 * @param match   alternatives (any one suffices); empty matches every request
 * @param route   destinations with weights; never empty
 * @param timeout overall timeout; nullable
 * @param retries nullable
 * @param fault   nullable
 * @param mirror  nullable
 */
public record HttpRule(String name, List<RequestMatch> match, List<WeightedDestination> route, Duration timeout,
                       Retries retries, Fault fault, Mirror mirror) {

    /** Immutable copies; a null match list means match all. */
    public HttpRule {
        match = match == null ? List.of() : List.copyOf(match);
        route = List.copyOf(route);
    }

    /** Whether this rule applies to a request: no alternatives, or any one of them holds. */
    public boolean matches(String method, String path, java.util.function.Function<String, String> headerLookup) {
        if (match.isEmpty()) {
            return true;
        }
        for (RequestMatch m : match) {
            if (m.matches(method, path, headerLookup)) {
                return true;
            }
        }
        return false;
    }
}
