package dev.skein.server.policy;

import dev.skein.api.AuthorizationPolicySpec;
import dev.skein.api.AuthzAction;
import dev.skein.api.AuthzOperation;
import dev.skein.api.AuthzRule;
import dev.skein.api.AuthzSource;
import dev.skein.api.Policy;
import dev.skein.api.PolicySetValidator;
import dev.skein.api.Problem;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks across policies: the api module's {@link PolicySetValidator} (duplicates, two Routes for
 * one host, unknown subsets) plus checks that only make sense for an operator about to change the
 * mesh, such as an AuthorizationPolicy that would deny every request.
 */
public final class PolicyChecks {
    private PolicyChecks() {}

    /** Every problem of a set of valid policies, keyed by source. */
    public static List<Problem> check(Map<String, Policy> bySource) {
        List<Problem> problems = new ArrayList<>(PolicySetValidator.validate(bySource));
        bySource.forEach((source, p) -> problems.addAll(deniesEverything(source, p)));
        return problems;
    }

    /**
     * The problems an apply would add: those of the set after the change that the set before it did
     * not already have. An inconsistency already in etcd must not block unrelated changes, but one the
     * change causes (a removed subset that a Route still names) must.
     */
    public static List<Problem> introduced(Map<String, Policy> before, Map<String, Policy> after) {
        Set<String> old = new LinkedHashSet<>();
        for (Problem p : check(before)) {
            old.add(p.toString());
        }
        List<Problem> out = new ArrayList<>();
        for (Problem p : check(after)) {
            if (!old.contains(p.toString())) {
                out.add(p);
            }
        }
        return out;
    }

    /** An ALLOW policy with no rule, or a DENY rule that matches any request, locks the service out. */
    static List<Problem> deniesEverything(String source, Policy p) {
        if (!(p.spec() instanceof AuthorizationPolicySpec a)) {
            return List.of();
        }
        if (a.action() == AuthzAction.ALLOW && a.rules().isEmpty()) {
            return List.of(new Problem(source, "spec.rules",
                    "ALLOW with no rules denies every request to " + target(p, a)));
        }
        if (a.action() == AuthzAction.DENY) {
            for (int i = 0; i < a.rules().size(); i++) {
                if (matchesEverything(a.rules().get(i))) {
                    return List.of(new Problem(source, "spec.rules[" + i + "]",
                            "DENY rule matches every request: denies everything to " + target(p, a)));
                }
            }
        }
        return List.of();
    }

    private static String target(Policy p, AuthorizationPolicySpec a) {
        return a.selector() == null ? "namespace " + p.namespace() : "service " + a.selector().service();
    }

    private static boolean matchesEverything(AuthzRule rule) {
        boolean anySource = rule.from().isEmpty() || rule.from().stream().anyMatch(PolicyChecks::anySource);
        boolean anyOperation = rule.to().isEmpty() || rule.to().stream().anyMatch(PolicyChecks::anyOperation);
        return anySource && anyOperation;
    }

    private static boolean anySource(AuthzSource s) {
        return (s.principals().isEmpty() || s.principals().contains("*"))
                && (s.namespaces().isEmpty() || s.namespaces().contains("*"));
    }

    private static boolean anyOperation(AuthzOperation o) {
        return (o.methods().isEmpty() || o.methods().contains("*"))
                && (o.paths().isEmpty() || o.paths().contains("*") || o.paths().contains("/*"));
    }
}
