package dev.skein.api;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** Binds and checks a Route spec. */
final class RouteBinder {
    private RouteBinder() {}

    static RouteSpec bind(Binder spec) {
        int before = spec.problems().count();
        spec.allow("host", "http");
        spec.require("host", "http");
        String host = Names.host(spec, "host");
        List<HttpRule> rules = spec.objects("http", RouteBinder::rule);
        if (rules != null && spec.has("http") && rules.isEmpty() && spec.problems().count() == before) {
            spec.problem("http", "must have at least one rule");
        }
        if (spec.problems().count() > before) {
            return null;
        }
        checkRuleNames(spec, rules);
        return spec.problems().count() > before ? null : new RouteSpec(host, rules);
    }

    private static void checkRuleNames(Binder spec, List<HttpRule> rules) {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < rules.size(); i++) {
            String name = rules.get(i).name();
            if (name != null && !seen.add(name)) {
                spec.problems().add(spec.child("http") + "[" + i + "].name", "duplicate rule name " + Values.quote(name));
            }
        }
    }

    private static HttpRule rule(Binder r, int index) {
        int before = r.problems().count();
        r.allow("name", "match", "route", "timeout", "retries", "fault", "mirror");
        r.require("route");
        String name = r.text("name");
        List<RequestMatch> match = r.objects("match", (m, i) -> match(m));
        List<WeightedDestination> route = routes(r);
        Duration timeout = r.duration("timeout");
        Binder rb = r.object("retries");
        Retries retries = rb == null ? null : retries(rb);
        Binder fb = r.object("fault");
        Fault fault = fb == null ? null : fault(fb);
        Binder mb = r.object("mirror");
        Mirror mirror = mb == null ? null : mirror(mb);
        if (r.problems().count() > before) {
            return null;
        }
        return new HttpRule(name, match, route, timeout, retries, fault, mirror);
    }

    private static RequestMatch match(Binder m) {
        int before = m.problems().count();
        m.allow("headers", "path", "method");
        Map<String, StringMatch> headers = new LinkedHashMap<>();
        Map<String, Binder> hs = m.objectMap("headers");
        if (hs != null) {
            for (Map.Entry<String, Binder> h : hs.entrySet()) {
                String lower = h.getKey().toLowerCase(Locale.ROOT);
                if (!Names.isHeaderName(h.getKey())) {
                    m.problem("headers." + h.getKey(), "bad header name " + Values.quote(h.getKey()));
                } else if (headers.containsKey(lower)) {
                    m.problem("headers." + h.getKey(), "duplicate header (names are case-insensitive)");
                }
                StringMatch sm = stringMatch(h.getValue());
                if (sm != null) {
                    headers.put(lower, sm);
                }
            }
        }
        Binder pb = m.object("path");
        StringMatch path = pb == null ? null : stringMatch(pb);
        String method = m.string("method");
        if (method != null && !Names.isMethod(method)) {
            m.problem("method", "must be an HTTP method such as GET, got " + Values.quote(method));
        }
        if (m.problems().count() > before) {
            return null;
        }
        return new RequestMatch(headers, path, method);
    }

    static StringMatch stringMatch(Binder b) {
        int before = b.problems().count();
        b.allow("exact", "prefix", "regex");
        List<String> given = new ArrayList<>();
        for (String k : List.of("exact", "prefix", "regex")) {
            if (b.has(k)) {
                given.add(k);
            }
        }
        if (given.size() != 1) {
            b.problems().add(b.path(), "must have exactly one of exact, prefix, regex"
                    + (given.isEmpty() ? "" : ", got " + Binder.join(given)));
            return null;
        }
        String key = given.get(0);
        String value = b.string(key);
        if (b.problems().count() > before || value == null) {
            return null;
        }
        return switch (key) {
            case "exact" -> StringMatch.exact(value);
            case "prefix" -> StringMatch.prefix(value);
            default -> {
                try {
                    yield new StringMatch(MatchType.REGEX, value, Pattern.compile(value));
                } catch (PatternSyntaxException e) {
                    b.problem(key, "bad regex " + Values.quote(value) + ": " + e.getDescription());
                    yield null;
                }
            }
        };
    }

    private static List<WeightedDestination> routes(Binder r) {
        int before = r.problems().count();
        List<Integer> weights = new ArrayList<>();
        List<Destination> dests = new ArrayList<>();
        List<Binder> items = r.objects("route", (b, i) -> b);
        if (items == null) {
            return null;
        }
        if (items.isEmpty() && r.problems().count() == before) {
            r.problem("route", "must have at least one destination");
            return null;
        }
        for (Binder b : items) {
            b.allow("destination", "weight");
            b.require("destination");
            Binder db = b.object("destination");
            dests.add(db == null ? null : destination(db));
            weights.add(b.integer("weight", 0, 100));
        }
        if (r.problems().count() > before) {
            return null;
        }
        List<WeightedDestination> out = new ArrayList<>();
        if (items.size() == 1) {
            Integer w = weights.get(0);
            if (w != null && w != 100) {
                items.get(0).problem("weight", "a single destination takes all traffic: must be 100 or omitted, got " + w);
                return null;
            }
            out.add(new WeightedDestination(dests.get(0), 100));
            return out;
        }
        int sum = 0;
        for (int i = 0; i < items.size(); i++) {
            if (weights.get(i) == null) {
                items.get(i).problem("weight", "required when a rule has 2 or more destinations");
            } else {
                sum += weights.get(i);
                out.add(new WeightedDestination(dests.get(i), weights.get(i)));
            }
        }
        if (r.problems().count() > before) {
            return null;
        }
        if (sum != 100) {
            r.problem("route", "weights must sum to 100, got " + sum);
            return null;
        }
        return out;
    }

    static Destination destination(Binder d) {
        int before = d.problems().count();
        d.allow("host", "subset", "port");
        String host = Names.host(d, "host");
        String subset = Names.label(d, "subset");
        Integer port = d.integer("port", 1, 65535);
        return d.problems().count() > before ? null : new Destination(host, subset, port);
    }

    private static Retries retries(Binder b) {
        int before = b.problems().count();
        b.allow("attempts", "perTryTimeout", "retryOn");
        b.require("attempts");
        Integer attempts = b.integer("attempts", 0, 100);
        Duration perTry = b.duration("perTryTimeout");
        Set<String> retryOn = null;
        String text = b.string("retryOn");
        if (text != null) {
            retryOn = new LinkedHashSet<>();
            for (String token : text.split(",", -1)) {
                String t = token.trim();
                if (t.isEmpty()) {
                    b.problem("retryOn", "empty condition in " + Values.quote(text));
                } else if (!Retries.CONDITIONS.contains(t)) {
                    b.problem("retryOn", "unknown condition " + Values.quote(t) + ", allowed: "
                            + Binder.join(List.of("5xx", "gateway-error", "connect-failure", "reset",
                            "retriable-status-codes", "refused-stream", "cancelled", "deadline-exceeded", "internal",
                            "resource-exhausted", "unavailable")));
                } else {
                    retryOn.add(t);
                }
            }
        }
        return b.problems().count() > before ? null : new Retries(attempts, perTry, retryOn);
    }

    private static Fault fault(Binder b) {
        int before = b.problems().count();
        b.allow("delay", "abort");
        if (!b.has("delay") && !b.has("abort")) {
            b.problems().add(b.path(), "must have delay or abort");
            return null;
        }
        Binder db = b.object("delay");
        Delay delay = null;
        if (db != null) {
            int d0 = db.problems().count();
            db.allow("percent", "fixedDelay");
            db.require("fixedDelay");
            Double percent = db.number("percent", 0, 100);
            Duration fixed = db.duration("fixedDelay");
            delay = db.problems().count() > d0 ? null : new Delay(percent == null ? 100 : percent, fixed);
        }
        Binder ab = b.object("abort");
        Abort abort = ab == null ? null : abort(ab);
        return b.problems().count() > before ? null : new Fault(delay, abort);
    }

    private static Abort abort(Binder b) {
        int before = b.problems().count();
        b.allow("percent", "httpStatus", "grpcStatus");
        Double percent = b.number("percent", 0, 100);
        Integer http = b.integer("httpStatus", 200, 599);
        String grpc = b.string("grpcStatus");
        if (grpc != null && !Abort.GRPC_CODES.contains(grpc)) {
            b.problem("grpcStatus", "must be one of " + Binder.join(Abort.GRPC_CODES) + ", got " + Values.quote(grpc));
        }
        if (b.has("httpStatus") == b.has("grpcStatus")) {
            b.problems().add(b.path(), "must have exactly one of httpStatus, grpcStatus");
        }
        return b.problems().count() > before ? null : new Abort(percent == null ? 100 : percent, http, grpc);
    }

    private static Mirror mirror(Binder b) {
        int before = b.problems().count();
        b.allow("destination", "percent");
        b.require("destination");
        Binder db = b.object("destination");
        Destination d = db == null ? null : destination(db);
        Double percent = b.number("percent", 0, 100);
        return b.problems().count() > before ? null : new Mirror(d, percent == null ? 100 : percent);
    }
}
