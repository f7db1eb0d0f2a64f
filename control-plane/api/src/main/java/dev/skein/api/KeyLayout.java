package dev.skein.api;

import java.util.Objects;
import java.util.Optional;

/**
 * Where things live in etcd, under a prefix ({@code /skein} by default):
 * {@code <prefix>/policies/<namespace>/<Kind>/<name>}, {@code <prefix>/endpoints/<namespace>/<service>/<id>},
 * {@code <prefix>/status/...} and the certificate areas.
 */
public final class KeyLayout {
    /** The prefix used when none is configured. */
    public static final String DEFAULT_PREFIX = "/skein";

    private final String prefix;

    /** The default layout under {@code /skein}. */
    public KeyLayout() {
        this(DEFAULT_PREFIX);
    }

    /** @param prefix e.g. {@code /skein} or {@code /skein/}; normalised to a leading and no trailing slash */
    public KeyLayout(String prefix) {
        String p = prefix == null || prefix.isBlank() ? DEFAULT_PREFIX : prefix.trim();
        while (p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        if (!p.isEmpty() && !p.startsWith("/")) {
            p = "/" + p;
        }
        this.prefix = p;
    }

    /** The normalised prefix, without trailing slash ({@code /skein}). */
    public String prefix() {
        return prefix;
    }

    /** {@code /skein/policies/} */
    public String policiesPrefix() {
        return prefix + "/policies/";
    }

    /** {@code /skein/endpoints/} */
    public String endpointsPrefix() {
        return prefix + "/endpoints/";
    }

    /** {@code /skein/status/} */
    public String statusPrefix() {
        return prefix + "/status/";
    }

    /** {@code /skein/status/agents/}: agent acknowledgements. */
    public String agentsPrefix() {
        return statusPrefix() + "agents/";
    }

    /** {@code /skein/status/policies/}: validation verdicts, keyed like the policies. */
    public String policyStatusPrefix() {
        return statusPrefix() + "policies/";
    }

    /** {@code /skein/ca/}: the trust bundle. */
    public String caPrefix() {
        return prefix + "/ca/";
    }

    /** {@code /skein/csr/}: certificate requests. */
    public String csrPrefix() {
        return prefix + "/csr/";
    }

    /** {@code /skein/certs/}: issued certificates. */
    public String certsPrefix() {
        return prefix + "/certs/";
    }

    /** {@code /skein/policies/<namespace>/<Kind>/<name>}. @throws IllegalArgumentException on a bad name */
    public String policyKey(PolicyKind kind, String namespace, String name) {
        Objects.requireNonNull(kind, "kind");
        return policiesPrefix() + checkLabel("namespace", namespace) + "/" + kind.name() + "/" + checkLabel("name", name);
    }

    /** The key of a policy. */
    public String policyKey(PolicyRef ref) {
        return policyKey(ref.kind(), ref.namespace(), ref.name());
    }

    /** {@code /skein/status/policies/<namespace>/<Kind>/<name>}: where the verdict on a policy goes. */
    public String policyStatusKey(PolicyRef ref) {
        return policyStatusPrefix() + ref.namespace() + "/" + ref.kind().name() + "/" + ref.name();
    }

    /** {@code /skein/status/agents/<agentId>}. */
    public String agentStatusKey(String agentId) {
        return agentsPrefix() + checkSegment("agentId", agentId);
    }

    /** {@code /skein/status/agents/<namespace>/<service>/<instance>}: where an agent reports what it applied. */
    public String agentStatusKey(String namespace, String service, String instance) {
        return agentsPrefix() + checkSegment("namespace", namespace) + "/" + checkSegment("service", service) + "/"
            + checkSegment("instance", instance);
    }

    /** The policy a key names, when it is a well-formed policy key (known kind, DNS-1123 names). */
    public Optional<PolicyRef> parsePolicyKey(String key) {
        String[] parts = split(key, policiesPrefix());
        if (parts == null || !Names.isLabel(parts[0]) || !Names.isLabel(parts[2])) {
            return Optional.empty();
        }
        return PolicyKind.fromName(parts[1]).map(kind -> new PolicyRef(parts[0], kind, parts[2]));
    }

    /** {@code /skein/endpoints/<namespace>/<service>/<instanceId>}. @throws IllegalArgumentException on bad parts */
    public String endpointKey(String namespace, String service, String instanceId) {
        return endpointsPrefix() + checkLabel("namespace", namespace) + "/" + checkLabel("service", service) + "/"
                + checkSegment("instanceId", instanceId);
    }

    /** The endpoint a key names, when it is a well-formed endpoint key. */
    public Optional<EndpointRef> parseEndpointKey(String key) {
        String[] parts = split(key, endpointsPrefix());
        if (parts == null || !Names.isLabel(parts[0]) || !Names.isLabel(parts[1])) {
            return Optional.empty();
        }
        return Optional.of(new EndpointRef(parts[0], parts[1], parts[2]));
    }

    /** Exactly three non-empty segments after the prefix, or null. */
    private static String[] split(String key, String under) {
        if (key == null || !key.startsWith(under)) {
            return null;
        }
        String[] parts = key.substring(under.length()).split("/", -1);
        if (parts.length != 3) {
            return null;
        }
        for (String p : parts) {
            if (p.isEmpty()) {
                return null;
            }
        }
        return parts;
    }

    private static String checkLabel(String what, String value) {
        if (!Names.isLabel(value)) {
            throw new IllegalArgumentException(what + " " + Names.notLabel(String.valueOf(value)));
        }
        return value;
    }

    private static String checkSegment(String what, String value) {
        if (value == null || value.isEmpty() || value.contains("/")) {
            throw new IllegalArgumentException(what + " must be non-empty and contain no '/', got " + value);
        }
        return value;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KeyLayout k && k.prefix.equals(prefix);
    }

    @Override
    public int hashCode() {
        return prefix.hashCode();
    }

    @Override
    public String toString() {
        return prefix;
    }
}
