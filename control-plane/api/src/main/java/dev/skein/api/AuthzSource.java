package dev.skein.api;

import java.util.List;

/**
 * Who is calling; every non-empty list must contain a match.
 *
 * @param principals SPIFFE IDs; {@code *} matches any, a trailing {@code *} matches a prefix
 * @param namespaces caller namespaces; {@code *} matches any
 */
public record AuthzSource(List<String> principals, List<String> namespaces) {
    /** Immutable copies; null means empty. */
    public AuthzSource {
        principals = principals == null ? List.of() : List.copyOf(principals);
        namespaces = namespaces == null ? List.of() : List.copyOf(namespaces);
    }
}
