package dev.skein.server.cli;

import dev.skein.api.AuthorizationPolicySpec;
import dev.skein.api.AuthzRule;
import dev.skein.api.DestinationPolicySpec;
import dev.skein.api.Endpoint;
import dev.skein.api.EndpointRef;
import dev.skein.api.HttpRule;
import dev.skein.api.KeyLayout;
import dev.skein.api.PeerAuthenticationSpec;
import dev.skein.api.Policy;
import dev.skein.api.RateLimitPolicySpec;
import dev.skein.api.RouteSpec;
import dev.skein.api.Selector;
import dev.skein.api.Subset;
import dev.skein.server.UserException;
import dev.skein.server.etcd.Etcd;
import dev.skein.server.policy.StoredPolicies;
import io.etcd.jetcd.KeyValue;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code skein describe service NAME}: everything in force for one service, as an agent would
 * apply it: routes, subsets with their endpoints, load balancing, resilience, TLS, who may call it.
 */
@Command(name = "describe", description = "Describe a service: routes, subsets, endpoints, resilience, mTLS, authorization.")
final class DescribeCommand implements Callable<Integer> {
    @ParentCommand SkeinCommand skein;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "service", description = "what to describe: service")
    String what;

    @Parameters(index = "1", paramLabel = "NAME")
    String name;

    @Option(names = {"-n", "--namespace"}, defaultValue = "default", description = "namespace (default ${DEFAULT-VALUE})")
    String namespace;

    @Override
    public Integer call() {
        if (!what.equals("service") && !what.equals("svc") && !what.equals("services")) {
            throw new UserException("describe knows one kind of object: skein describe service NAME");
        }
        KeyLayout layout = skein.layout();
        try (Etcd etcd = skein.connect()) {
            StoredPolicies stored = StoredPolicies.read(etcd, layout);
            Map<String, Endpoint> endpoints = new LinkedHashMap<>();
            for (Map.Entry<String, KeyValue> e : etcd.getPrefix(layout.endpointsPrefix() + namespace + "/" + name + "/").entrySet()) {
                EndpointRef ref = layout.parseEndpointKey(e.getKey()).orElse(null);
                if (ref != null) {
                    try {
                        endpoints.put(ref.instanceId(), Endpoint.fromJson(Etcd.text(e.getValue().getValue())));
                    } catch (RuntimeException ignored) {
                        // An endpoint written by a newer or broken agent: status lists it as unreadable.
                    }
                }
            }
            List<Policy> policies = stored.byKey().values().stream().map(StoredPolicies.Stored::policy)
                    .filter(p -> p != null).toList();
            if (endpoints.isEmpty() && policies.stream().noneMatch(this::concernsService)) {
                throw new UserException("service " + namespace + "/" + name + " not found: no endpoints and no policies");
            }
            print(spec.commandLine().getOut(), policies, endpoints);
        }
        return 0;
    }

    /** Host names resolve like addresses: {@code orders} in the policy's namespace, {@code orders.ns} in ns. */
    private boolean isThisHost(String host, String policyNamespace) {
        int dot = host.indexOf('.');
        if (dot < 0) {
            return host.equals(name) && policyNamespace.equals(namespace);
        }
        return host.equals(name + "." + namespace) || host.startsWith(name + "." + namespace + ".");
    }

    private boolean selects(Selector selector, Policy p) {
        return p.namespace().equals(namespace) && (selector == null || selector.service().equals(name));
    }

    private boolean concernsService(Policy p) {
        Object s = p.spec();
        return s instanceof RouteSpec r && isThisHost(r.host(), p.namespace())
                || s instanceof DestinationPolicySpec d && isThisHost(d.host(), p.namespace())
                || s instanceof AuthorizationPolicySpec a && a.selector() != null && selects(a.selector(), p)
                || s instanceof PeerAuthenticationSpec a && a.selector() != null && selects(a.selector(), p)
                || s instanceof RateLimitPolicySpec l && l.selector() != null && selects(l.selector(), p);
    }

    private void print(PrintWriter out, List<Policy> policies, Map<String, Endpoint> endpoints) {
        out.println("Service:    " + name + "." + namespace);
        out.println("Endpoints:  " + endpoints.size());
        endpoints.forEach((id, ep) -> out.println("  " + id + "  " + ep.address() + ":" + ep.port() + "  " + ep.protocol() + (ep.tls() ? "+mtls" : "")
                + "  " + Describe.labels(ep.labels())));

        Policy route = find(policies, p -> p.spec() instanceof RouteSpec r && isThisHost(r.host(), p.namespace()));
        Policy dest = find(policies, p -> p.spec() instanceof DestinationPolicySpec d && isThisHost(d.host(), p.namespace()));
        out.println();
        if (route == null) {
            out.println("Routes:     none (every request goes to all endpoints)");
        } else {
            RouteSpec r = route.spec(RouteSpec.class);
            out.println("Routes:     Route " + route.namespace() + "/" + route.name() + " (first matching rule wins)");
            for (int i = 0; i < r.http().size(); i++) {
                HttpRule rule = r.http().get(i);
                out.println("  rule " + (i + 1) + (rule.name() == null ? "" : " " + rule.name()) + ":");
                Describe.rule(rule, r.host()).forEach(line -> out.println("    " + line));
            }
        }
        out.println();
        if (dest == null) {
            out.println("Subsets:    none (no DestinationPolicy)");
            out.println("Load balancer: ROUND_ROBIN (default)");
        } else {
            DestinationPolicySpec d = dest.spec(DestinationPolicySpec.class);
            out.println("Subsets:    DestinationPolicy " + dest.namespace() + "/" + dest.name());
            for (Subset s : d.subsets()) {
                List<String> members = new ArrayList<>();
                endpoints.forEach((id, ep) -> {
                    if (s.selects(ep.labels())) {
                        members.add(id + " (" + ep.address() + ":" + ep.port() + ")");
                    }
                });
                out.println("  " + s.name() + "  " + Describe.labels(s.labels()) + "  endpoints: "
                        + (members.isEmpty() ? "none" : String.join(", ", members)));
            }
            out.println("Load balancer: " + (d.loadBalancer() == null ? "ROUND_ROBIN (default)" : d.loadBalancer().simple()
                    + (d.loadBalancer().consistentHash() == null ? "" : " on header " + d.loadBalancer().consistentHash().httpHeaderName())));
            if (d.connectionPool() != null) {
                var pool = d.connectionPool();
                List<String> limits = new ArrayList<>();
                if (pool.maxConcurrentRequests() > 0) {
                    limits.add("at most " + pool.maxConcurrentRequests() + " concurrent requests");
                }
                if (pool.maxRequestsPerEndpoint() > 0) {
                    limits.add("at most " + pool.maxRequestsPerEndpoint() + " per endpoint, "
                            + (pool.maxPendingRequests() > 0 ? "at most " + pool.maxPendingRequests() : "any number")
                            + " waiting");
                }
                out.println("Connection pool: " + String.join("; ", limits));
            }
            if (d.outlierDetection() != null) {
                var o = d.outlierDetection();
                out.println("Outlier detection: eject after " + o.consecutive5xxErrors() + " consecutive 5xx, every "
                        + Describe.duration(o.interval()) + ", for " + Describe.duration(o.baseEjectionTime())
                        + ", at most " + o.maxEjectionPercent() + "%");
            }
            if (d.circuitBreaker() != null) {
                var c = d.circuitBreaker();
                out.println("Circuit breaker: open at " + c.failureRateThreshold() + "% failures over at least "
                        + c.minimumCalls() + " calls, for " + Describe.duration(c.openStateDuration()));
            }
        }
        out.println();
        out.println("Client TLS: " + (dest == null || dest.spec(DestinationPolicySpec.class).tls() == null
                ? "MESH (default)" : dest.spec(DestinationPolicySpec.class).tls().mode() + " (DestinationPolicy " + dest.name() + ")"));
        Policy peer = find(policies, p -> p.spec() instanceof PeerAuthenticationSpec a && a.selector() != null && selects(a.selector(), p));
        if (peer == null) {
            peer = find(policies, p -> p.spec() instanceof PeerAuthenticationSpec a && a.selector() == null && selects(null, p));
        }
        out.println("Server mTLS: " + (peer == null ? "PERMISSIVE (default: no PeerAuthentication)"
                : peer.spec(PeerAuthenticationSpec.class).mtls().mode() + " (PeerAuthentication " + peer.namespace() + "/" + peer.name() + ")"));
        Policy limit = find(policies, p -> p.spec() instanceof RateLimitPolicySpec l && selects(l.selector(), p));
        if (limit != null) {
            RateLimitPolicySpec l = limit.spec(RateLimitPolicySpec.class);
            out.println("Rate limit: " + l.requestsPerSecond() + " requests/s per instance, burst " + l.burst()
                    + " (RateLimitPolicy " + limit.name() + ")");
        }
        out.println();
        List<Policy> authz = policies.stream()
                .filter(p -> p.spec() instanceof AuthorizationPolicySpec a && selects(a.selector(), p)).toList();
        if (authz.isEmpty()) {
            out.println("Callers:    anyone (no AuthorizationPolicy selects this service)");
        } else {
            out.println("Callers:    DENY rules win; with any ALLOW policy, only what one allows is let in");
            for (Policy p : authz) {
                AuthorizationPolicySpec a = p.spec(AuthorizationPolicySpec.class);
                out.println("  " + a.action() + " (AuthorizationPolicy " + p.namespace() + "/" + p.name() + ")");
                if (a.rules().isEmpty()) {
                    out.println("    no rules: matches nothing");
                }
                for (AuthzRule rule : a.rules()) {
                    out.println("    " + Describe.authzRule(rule));
                }
            }
        }
        out.flush();
    }

    private static Policy find(List<Policy> policies, java.util.function.Predicate<Policy> test) {
        return policies.stream().filter(test).findFirst().orElse(null);
    }
}
