package dev.skein.api;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Binds the server-side kinds: PeerAuthentication, AuthorizationPolicy and RateLimitPolicy. */
final class SecurityBinders {
    private SecurityBinders() {}

    static PeerAuthenticationSpec peerAuthentication(Binder spec) {
        int before = spec.problems().count();
        spec.allow("selector", "mtls");
        Selector selector = selector(spec);
        Binder mb = spec.object("mtls");
        Mtls mtls = null;
        if (mb != null) {
            mb.allow("mode");
            mb.require("mode");
            MtlsMode mode = mb.enumValue("mode", MtlsMode.class);
            mtls = mode == null ? null : new Mtls(mode);
        }
        return spec.problems().count() > before ? null : new PeerAuthenticationSpec(selector, mtls);
    }

    static AuthorizationPolicySpec authorization(Binder spec) {
        int before = spec.problems().count();
        spec.allow("selector", "action", "rules");
        Selector selector = selector(spec);
        AuthzAction action = spec.enumValue("action", AuthzAction.class);
        // Explicit on purpose: an absent rule list is more likely a mistake than a deliberate deny-all.
        spec.require("rules");
        List<AuthzRule> rules = spec.objects("rules", (b, i) -> rule(b));
        if (spec.problems().count() > before) {
            return null;
        }
        AuthzAction effective = action == null ? AuthzAction.ALLOW : action;
        if (rules.isEmpty() && effective != AuthzAction.ALLOW) {
            spec.problem("rules", effective + " with no rules matches no request; give at least one rule");
            return null;
        }
        return new AuthorizationPolicySpec(selector, effective, rules);
    }

    static RateLimitPolicySpec rateLimit(Binder spec) {
        int before = spec.problems().count();
        spec.allow("selector", "requestsPerSecond", "burst");
        spec.require("requestsPerSecond");
        Selector selector = selector(spec);
        Double rps = spec.positiveNumber("requestsPerSecond");
        Integer burst = spec.integer("burst", 0, Integer.MAX_VALUE);
        if (spec.problems().count() > before) {
            return null;
        }
        return new RateLimitPolicySpec(selector, rps, burst == null ? 0 : burst);
    }

    static Selector selector(Binder spec) {
        Binder b = spec.object("selector");
        if (b == null) {
            return null;
        }
        int before = b.problems().count();
        b.allow("service");
        b.require("service");
        String service = Names.label(b, "service");
        return b.problems().count() > before ? null : new Selector(service);
    }

    private static AuthzRule rule(Binder b) {
        int before = b.problems().count();
        b.allow("from", "to");
        List<AuthzSource> from = b.objects("from", (s, i) -> source(s));
        List<AuthzOperation> to = b.objects("to", (o, i) -> operation(o));
        return b.problems().count() > before ? null : new AuthzRule(from, to);
    }

    private static AuthzSource source(Binder b) {
        int before = b.problems().count();
        b.allow("principals", "namespaces");
        List<String> principals = b.strings("principals");
        List<String> namespaces = b.strings("namespaces");
        if (principals != null) {
            for (int i = 0; i < principals.size(); i++) {
                String p = principals.get(i);
                if (!p.equals("*") && !(p.startsWith("spiffe://") && p.length() > "spiffe://".length())) {
                    b.problem("principals[" + i + "]", "must be a SPIFFE ID (spiffe://<trust-domain>/ns/<namespace>/sa/<service>) or *, got "
                            + Values.quote(p));
                } else if (p.indexOf('*') >= 0 && p.indexOf('*') != p.length() - 1) {
                    b.problem("principals[" + i + "]", "* is only allowed at the end, got " + Values.quote(p));
                }
            }
        }
        if (namespaces != null) {
            for (int i = 0; i < namespaces.size(); i++) {
                String n = namespaces.get(i);
                if (!n.equals("*") && !Names.isLabel(n)) {
                    b.problem("namespaces[" + i + "]", "must be * or " + Names.notLabel(n).substring("must be ".length()));
                }
            }
        }
        if (isEmpty(principals) && isEmpty(namespaces) && b.problems().count() == before) {
            b.problems().add(b.path(), "must name principals or namespaces (omit from to match any caller)");
        }
        return b.problems().count() > before ? null : new AuthzSource(principals, namespaces);
    }

    private static AuthzOperation operation(Binder b) {
        int before = b.problems().count();
        b.allow("methods", "paths");
        List<String> methods = b.strings("methods");
        List<String> paths = b.strings("paths");
        List<String> upper = new ArrayList<>();
        if (methods != null) {
            for (int i = 0; i < methods.size(); i++) {
                String m = methods.get(i);
                if (!m.equals("*") && !Names.isMethod(m)) {
                    b.problem("methods[" + i + "]", "must be an HTTP method such as GET, or *, got " + Values.quote(m));
                }
                upper.add(m.toUpperCase(Locale.ROOT));
            }
        }
        if (paths != null) {
            for (int i = 0; i < paths.size(); i++) {
                String p = paths.get(i);
                boolean ok = p.equals("*") || p.startsWith("/") && (p.indexOf('*') < 0 || p.indexOf('*') == p.length() - 1);
                if (!ok) {
                    b.problem("paths[" + i + "]", "must be *, an exact path such as /api/items, or a prefix such as /api/*, got "
                            + Values.quote(p));
                }
            }
        }
        if (isEmpty(methods) && isEmpty(paths) && b.problems().count() == before) {
            b.problems().add(b.path(), "must name methods or paths (omit to to match any operation)");
        }
        return b.problems().count() > before ? null : new AuthzOperation(upper, paths);
    }

    private static boolean isEmpty(List<String> l) {
        return l == null || l.isEmpty();
    }
}
