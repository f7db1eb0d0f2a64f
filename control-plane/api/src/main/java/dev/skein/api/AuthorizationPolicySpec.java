package dev.skein.api;

import java.util.List;
import java.util.Objects;

/**
 * Access control on a server. The policy matches a request when any rule matches it.
 *
 * @param selector nullable: the whole namespace
 * @param action   what to do with matching requests ({@link AuthzAction#ALLOW} when omitted)
 * @param rules    the rules; empty only for ALLOW, where it allows nothing (deny all)
 */
public record AuthorizationPolicySpec(Selector selector, AuthzAction action, List<AuthzRule> rules)
        implements PolicySpec {
    /** Immutable copy. */
    public AuthorizationPolicySpec {
        action = Objects.requireNonNullElse(action, AuthzAction.ALLOW);
        rules = List.copyOf(rules);
    }
}
