package dev.skein.api;

import java.util.List;

/**
 * One rule: it matches when any source and any operation match; an empty list matches anything.
 *
 * @param from callers
 * @param to   operations
 */
public record AuthzRule(List<AuthzSource> from, List<AuthzOperation> to) {
    /** Immutable copies; null means empty. */
    public AuthzRule {
        from = from == null ? List.of() : List.copyOf(from);
        to = to == null ? List.of() : List.copyOf(to);
    }
}
