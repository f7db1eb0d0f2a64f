package dev.skein.api;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Checks that hold across policies, over everything in force: each policy may be valid alone and still
 * conflict with others. Policies are visited in natural order of their sources (digit runs compare as
 * numbers), so "the later one" is well defined whatever map the caller passes.
 */
public final class PolicySetValidator {
    private PolicySetValidator() {}

    /**
     * @param policiesBySource each policy under its source (etcd key or file name), which prefixes its problems
     * @return every problem found; empty when the set is consistent
     */
    public static List<Problem> validate(Map<String, Policy> policiesBySource) {
        List<Problem> problems = new ArrayList<>();
        try {
            List<String> sources = new ArrayList<>(policiesBySource.keySet());
            sources.sort(NaturalOrder.INSTANCE);
            Map<String, String> firstByIdentity = new HashMap<>();
            Map<String, String> firstByTarget = new HashMap<>();
            Map<String, DestinationPolicySpec> destinations = new HashMap<>();
            for (String source : sources) {
                Policy p = policiesBySource.get(source);
                String identity = p.kind() + " " + p.namespace() + "/" + p.name();
                String earlier = firstByIdentity.putIfAbsent(identity, source);
                if (earlier != null) {
                    problems.add(new Problem(source, "metadata.name", "duplicate " + identity + ", already defined by " + earlier));
                    continue;
                }
                Optional<Target> target = target(p);
                if (target.isPresent()) {
                    String other = firstByTarget.putIfAbsent(target.get().key(), source);
                    if (other != null) {
                        problems.add(new Problem(source, target.get().field(), target.get().conflict() + other));
                        continue;
                    }
                }
                if (p.spec() instanceof DestinationPolicySpec d) {
                    destinations.put(Hosts.key(d.host(), p.namespace()), d);
                }
            }
            for (String source : sources) {
                Policy p = policiesBySource.get(source);
                if (p.spec() instanceof RouteSpec r && source.equals(firstByTarget.get(target(p).orElseThrow().key()))) {
                    checkSubsets(source, p, r, destinations, problems);
                }
            }
        } catch (RuntimeException e) {
            problems.add(new Problem("policy set", "", "internal error: " + e));
        }
        return problems;
    }

    /** What a policy claims exclusively: one Route or DestinationPolicy per host, one server policy per workload. */
    private record Target(String key, String field, String conflict) {}

    private static Optional<Target> target(Policy p) {
        String ns = p.namespace();
        String kind = p.kind().name();
        PolicySpec spec = p.spec();
        if (spec instanceof RouteSpec r) {
            return Optional.of(hostTarget(kind, Hosts.key(r.host(), ns), r.host()));
        } else if (spec instanceof DestinationPolicySpec d) {
            return Optional.of(hostTarget(kind, Hosts.key(d.host(), ns), d.host()));
        } else if (spec instanceof ServiceEntrySpec e) {
            return Optional.of(hostTarget(kind, Hosts.key(e.host(), ns), e.host()));
        } else if (spec instanceof PeerAuthenticationSpec a) {
            return Optional.of(selectorTarget(kind, ns, a.selector()));
        } else if (spec instanceof RateLimitPolicySpec l) {
            return Optional.of(selectorTarget(kind, ns, l.selector()));
        } else if (spec instanceof TelemetrySpec t) {
            return Optional.of(selectorTarget(kind, ns, t.selector()));
        }
        // Several authorization policies per workload are normal: they combine (DENY wins).
        return Optional.empty();
    }

    private static Target hostTarget(String kind, String hostKey, String host) {
        return new Target(kind + "|" + hostKey, "spec.host", "another " + kind + " for host " + host + " is already defined by ");
    }

    private static Target selectorTarget(String kind, String ns, Selector selector) {
        String what = selector == null ? "namespace " + ns : "service " + selector.service() + " in namespace " + ns;
        return new Target(kind + "|" + ns + "/" + (selector == null ? "" : selector.service()),
                selector == null ? "spec" : "spec.selector.service",
                "another " + kind + " for " + what + " is already defined by ");
    }

    private static void checkSubsets(String source, Policy p, RouteSpec r, Map<String, DestinationPolicySpec> destinations,
                                     List<Problem> problems) {
        for (int i = 0; i < r.http().size(); i++) {
            HttpRule rule = r.http().get(i);
            for (int j = 0; j < rule.route().size(); j++) {
                checkSubset(source, "spec.http[" + i + "].route[" + j + "].destination", rule.route().get(j).destination(),
                        p.namespace(), r.host(), destinations, problems);
            }
            if (rule.mirror() != null) {
                checkSubset(source, "spec.http[" + i + "].mirror.destination", rule.mirror().destination(),
                        p.namespace(), r.host(), destinations, problems);
            }
        }
    }

    private static void checkSubset(String source, String field, Destination d, String ns, String routeHost,
                                    Map<String, DestinationPolicySpec> destinations, List<Problem> problems) {
        if (d.subset() == null) {
            return;
        }
        String host = d.host() == null ? routeHost : d.host();
        DestinationPolicySpec policy = destinations.get(Hosts.key(host, ns));
        if (policy == null || policy.subset(d.subset()).isEmpty()) {
            problems.add(new Problem(source, field + ".subset", "unknown subset " + d.subset() + " for host " + host
                    + (policy == null ? " (no DestinationPolicy for it)" : "")));
        }
    }

    /** Host names resolve like service addresses: {@code orders} in the policy's namespace, {@code orders.prod} in prod. */
    static final class Hosts {
        private Hosts() {}

        static String key(String host, String namespace) {
            int dot = host.indexOf('.');
            if (dot > 0 && host.indexOf('.', dot + 1) < 0) {
                return host.substring(dot + 1) + "/" + host.substring(0, dot);
            }
            return dot < 0 ? namespace + "/" + host : host;
        }
    }

    /** Convenience for file mode: sources are {@code Kind namespace/name}; in order of the list. */
    public static List<Problem> validate(List<Policy> policies) {
        Map<String, Policy> bySource = new LinkedHashMap<>();
        for (int i = 0; i < policies.size(); i++) {
            Policy p = policies.get(i);
            String source = p.ref().toString();
            bySource.put(bySource.containsKey(source) ? source + " #" + (i + 1) : source, p);
        }
        return validate(bySource);
    }
}
