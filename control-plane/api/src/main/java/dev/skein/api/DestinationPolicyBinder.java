package dev.skein.api;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Binds and checks a DestinationPolicy spec. */
final class DestinationPolicyBinder {
    private DestinationPolicyBinder() {}

    static DestinationPolicySpec bind(Binder spec) {
        int before = spec.problems().count();
        // consistentHash is accepted both inside loadBalancer (Istio's place) and beside it (as documented).
        spec.allow("host", "subsets", "loadBalancer", "consistentHash", "connectionPool", "outlierDetection",
                "circuitBreaker", "tls");
        spec.require("host");
        String host = Names.host(spec, "host");
        Set<String> seen = new HashSet<>();
        List<Subset> subsets = spec.objects("subsets", (b, i) -> {
            Subset s = subset(b);
            if (s != null && !seen.add(s.name())) {
                b.problem("name", "duplicate subset " + Values.quote(s.name()));
                return null;
            }
            return s;
        });
        LoadBalancer lb = loadBalancer(spec);
        Binder cp = spec.object("connectionPool");
        ConnectionPool pool = cp == null ? null : connectionPool(cp);
        Binder od = spec.object("outlierDetection");
        OutlierDetection outlier = od == null ? null : outlierDetection(od);
        Binder cb = spec.object("circuitBreaker");
        CircuitBreakerSettings breaker = cb == null ? null : circuitBreaker(cb);
        Binder tb = spec.object("tls");
        Tls tls = null;
        if (tb != null) {
            tb.allow("mode");
            tb.require("mode");
            TlsMode mode = tb.enumValue("mode", TlsMode.class);
            tls = mode == null ? null : new Tls(mode);
        }
        if (spec.problems().count() > before) {
            return null;
        }
        return new DestinationPolicySpec(host, subsets, lb, pool, outlier, breaker, tls);
    }

    private static Subset subset(Binder b) {
        int before = b.problems().count();
        b.allow("name", "labels");
        b.require("name", "labels");
        String name = Names.label(b, "name");
        Map<String, String> labels = Names.labels(b, "labels");
        if (labels != null && labels.isEmpty() && b.problems().count() == before) {
            b.problem("labels", "must select on at least one label");
        }
        return b.problems().count() > before ? null : new Subset(name, labels);
    }

    private static LoadBalancer loadBalancer(Binder spec) {
        Binder lb = spec.object("loadBalancer");
        int before = spec.problems().count();
        ConsistentHash hash = null;
        Binder outer = spec.object("consistentHash");
        if (outer != null) {
            hash = consistentHash(outer);
        }
        LbPolicy simple = null;
        if (lb != null) {
            lb.allow("simple", "consistentHash");
            lb.require("simple");
            simple = lb.enumValue("simple", LbPolicy.class);
            Binder inner = lb.object("consistentHash");
            if (inner != null && outer != null) {
                spec.problem("consistentHash", "given twice: here and in loadBalancer.consistentHash");
            } else if (inner != null) {
                hash = consistentHash(inner);
            }
        }
        boolean hashGiven = spec.has("consistentHash") || lb != null && lb.has("consistentHash");
        if (spec.problems().count() > before) {
            return null;
        }
        if (simple == LbPolicy.RING_HASH && !hashGiven) {
            (lb == null ? spec : lb).problem("consistentHash", "required with RING_HASH: give httpHeaderName");
            return null;
        }
        if (hashGiven && simple != LbPolicy.RING_HASH) {
            String at = spec.has("consistentHash") ? spec.child("consistentHash") : lb.child("consistentHash");
            spec.problems().add(at, "only valid with loadBalancer.simple RING_HASH"
                    + (simple == null ? "" : ", got " + simple));
            return null;
        }
        return simple == null ? null : new LoadBalancer(simple, hash);
    }

    private static ConsistentHash consistentHash(Binder b) {
        int before = b.problems().count();
        b.allow("httpHeaderName");
        b.require("httpHeaderName");
        String header = Names.headerName(b, "httpHeaderName");
        return b.problems().count() > before ? null : new ConsistentHash(header);
    }

    private static ConnectionPool connectionPool(Binder b) {
        int before = b.problems().count();
        b.allow("maxConcurrentRequests", "maxRequestsPerEndpoint", "maxPendingRequests");
        Integer max = b.integer("maxConcurrentRequests", 1, Integer.MAX_VALUE);
        Integer perEndpoint = b.integer("maxRequestsPerEndpoint", 1, Integer.MAX_VALUE);
        Integer pending = b.integer("maxPendingRequests", 1, Integer.MAX_VALUE);
        if (b.problems().count() > before) {
            return null;
        }
        if (max == null && perEndpoint == null && pending == null) {
            b.problems().add(b.path(), "give maxConcurrentRequests, maxRequestsPerEndpoint or both");
            return null;
        }
        if (pending != null && perEndpoint == null) {
            // Tries wait only for a per-endpoint slot: without that limit nothing ever waits.
            b.problem("maxPendingRequests", "only valid with maxRequestsPerEndpoint");
            return null;
        }
        return new ConnectionPool(max == null ? 0 : max, perEndpoint == null ? 0 : perEndpoint, pending == null ? 0 : pending);
    }

    private static OutlierDetection outlierDetection(Binder b) {
        int before = b.problems().count();
        b.allow("consecutive5xxErrors", "interval", "baseEjectionTime", "maxEjectionPercent");
        Integer errors = b.integer("consecutive5xxErrors", 1, Integer.MAX_VALUE);
        Duration interval = b.duration("interval");
        Duration base = b.duration("baseEjectionTime");
        Integer maxPercent = b.integer("maxEjectionPercent", 0, 100);
        if (b.problems().count() > before) {
            return null;
        }
        return new OutlierDetection(errors == null ? 5 : errors, interval == null ? Duration.ofSeconds(10) : interval,
                base == null ? Duration.ofSeconds(30) : base, maxPercent == null ? 10 : maxPercent);
    }

    private static CircuitBreakerSettings circuitBreaker(Binder b) {
        int before = b.problems().count();
        b.allow("failureRateThreshold", "minimumCalls", "openStateDuration");
        Double threshold = b.number("failureRateThreshold", 1, 100);
        Integer minimumCalls = b.integer("minimumCalls", 1, Integer.MAX_VALUE);
        Duration open = b.duration("openStateDuration");
        if (b.problems().count() > before) {
            return null;
        }
        return new CircuitBreakerSettings(threshold == null ? 50f : threshold.floatValue(),
                minimumCalls == null ? 100 : minimumCalls, open == null ? Duration.ofSeconds(60) : open);
    }
}
