package dev.skein.server.cli;

import dev.skein.api.AuthzOperation;
import dev.skein.api.AuthzRule;
import dev.skein.api.AuthzSource;
import dev.skein.api.HttpRule;
import dev.skein.api.RequestMatch;
import dev.skein.api.StringMatch;
import dev.skein.api.WeightedDestination;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** One-line renderings of policy parts, for {@code describe} and {@code status}. */
final class Describe {
    private Describe() {}

    static String labels(Map<String, String> labels) {
        if (labels.isEmpty()) {
            return "-";
        }
        StringBuilder sb = new StringBuilder();
        new TreeMap<>(labels).forEach((k, v) -> sb.append(sb.length() == 0 ? "" : ",").append(k).append('=').append(v));
        return sb.toString();
    }

    static String duration(Duration d) {
        if (d == null) {
            return null;
        }
        long ms = d.toMillis();
        return ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
    }

    static String match(RequestMatch m) {
        List<String> parts = new ArrayList<>();
        if (m.method() != null) {
            parts.add("method " + m.method());
        }
        if (m.path() != null) {
            parts.add("path " + string(m.path()));
        }
        new TreeMap<>(m.headers()).forEach((h, v) -> parts.add("header " + h + " " + string(v)));
        return parts.isEmpty() ? "any request" : String.join(" and ", parts);
    }

    static String string(StringMatch s) {
        return s.type().name().toLowerCase(Locale.ROOT) + " \"" + s.value() + "\"";
    }

    static String destination(WeightedDestination w, String routeHost) {
        String host = w.destination().host() == null ? routeHost : w.destination().host();
        String subset = w.destination().subset() == null ? "all endpoints" : "subset " + w.destination().subset();
        return w.weight() + "% -> " + host + (w.destination().port() == null ? "" : ":" + w.destination().port())
                + " " + subset;
    }

    static List<String> rule(HttpRule r, String host) {
        List<String> out = new ArrayList<>();
        out.add("when: " + (r.match().isEmpty() ? "any request"
                : String.join(" | or | ", r.match().stream().map(Describe::match).toList())));
        for (WeightedDestination w : r.route()) {
            out.add("route: " + destination(w, host));
        }
        if (r.timeout() != null) {
            out.add("timeout: " + duration(r.timeout()));
        }
        if (r.retries() != null) {
            out.add("retries: " + r.retries().attempts() + " attempts"
                    + (r.retries().perTryTimeout() == null ? "" : ", " + duration(r.retries().perTryTimeout()) + " per try")
                    + ", on " + String.join(",", new java.util.TreeSet<>(r.retries().retryOn())));
        }
        if (r.fault() != null) {
            if (r.fault().delay() != null) {
                out.add("fault: delay " + duration(r.fault().delay().fixedDelay()) + " for " + r.fault().delay().percent() + "%");
            }
            if (r.fault().abort() != null) {
                var a = r.fault().abort();
                out.add("fault: abort with " + (a.httpStatus() != null ? "HTTP " + a.httpStatus() : "gRPC " + a.grpcStatus())
                        + " for " + a.percent() + "%");
            }
        }
        if (r.mirror() != null) {
            out.add("mirror: " + r.mirror().percent() + "% to "
                    + (r.mirror().destination().host() == null ? host : r.mirror().destination().host())
                    + (r.mirror().destination().subset() == null ? "" : " subset " + r.mirror().destination().subset()));
        }
        return out;
    }

    static String authzRule(AuthzRule r) {
        List<String> from = new ArrayList<>();
        for (AuthzSource s : r.from()) {
            List<String> p = new ArrayList<>();
            if (!s.principals().isEmpty()) {
                p.add("principals " + s.principals());
            }
            if (!s.namespaces().isEmpty()) {
                p.add("namespaces " + s.namespaces());
            }
            from.add(p.isEmpty() ? "anyone" : String.join(" and ", p));
        }
        List<String> to = new ArrayList<>();
        for (AuthzOperation o : r.to()) {
            List<String> p = new ArrayList<>();
            if (!o.methods().isEmpty()) {
                p.add("methods " + o.methods());
            }
            if (!o.paths().isEmpty()) {
                p.add("paths " + o.paths());
            }
            to.add(p.isEmpty() ? "anything" : String.join(" and ", p));
        }
        return "from " + (from.isEmpty() ? "anyone" : String.join(" or ", from))
                + " to " + (to.isEmpty() ? "anything" : String.join(" or ", to));
    }
}
