package dev.skein.api;

import java.util.List;

/**
 * What is called; every non-empty list must contain a match.
 *
 * @param methods HTTP methods, upper-case; {@code *} matches any
 * @param paths   exact paths, {@code /api/*} prefixes or {@code *}; gRPC uses {@code /pkg.Service/Method}
 */
public record AuthzOperation(List<String> methods, List<String> paths) {
    /** Immutable copies; null means empty. */
    public AuthzOperation {
        methods = methods == null ? List.of() : List.copyOf(methods);
        paths = paths == null ? List.of() : List.copyOf(paths);
    }
}
