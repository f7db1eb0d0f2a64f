package dev.skein.server.policy;

import dev.skein.api.PolicyKind;
import dev.skein.api.PolicyRef;
import dev.skein.server.UserException;
import java.util.Locale;
import java.util.Optional;

/** How kinds are typed on the command line and printed: {@code route}, {@code routes}, {@code Route}; {@code route.skein.dev/orders}. */
public final class Kinds {
    private Kinds() {}

    /** A kind as typed: case-insensitive, singular or plural, optionally with {@code .skein.dev}; empty for {@code all}. */
    public static Optional<PolicyKind> parse(String typed) {
        String t = typed.toLowerCase(Locale.ROOT);
        if (t.endsWith(".skein.dev")) {
            t = t.substring(0, t.length() - ".skein.dev".length());
        }
        if (t.equals("all")) {
            return Optional.empty();
        }
        for (PolicyKind k : PolicyKind.values()) {
            String n = k.name().toLowerCase(Locale.ROOT);
            String plural = n.endsWith("y") ? n.substring(0, n.length() - 1) + "ies" : n + "s";
            if (t.equals(n) || t.equals(plural)) {
                return Optional.of(k);
            }
        }
        throw new UserException("unknown kind " + typed + "; one of Route, DestinationPolicy, PeerAuthentication, "
                + "AuthorizationPolicy, RateLimitPolicy, ServiceEntry, Telemetry (or all)");
    }

    /** {@code route.skein.dev/orders}, as kubectl names objects; the namespace is added when not the default one. */
    public static String display(PolicyRef ref, String defaultNamespace) {
        String name = ref.kind().name().toLowerCase(Locale.ROOT) + ".skein.dev/" + ref.name();
        return ref.namespace().equals(defaultNamespace) ? name : name + " (namespace " + ref.namespace() + ")";
    }
}
