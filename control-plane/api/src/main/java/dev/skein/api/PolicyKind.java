package dev.skein.api;

import java.util.Optional;

/** The policy kinds; {@link #ServiceEntry} is a Skein extension giving static endpoints for file mode. */
public enum PolicyKind {
    /** Outbound routing for one host. */
    Route,
    /** How to reach one host's endpoints: subsets, load balancing, connection limits, TLS. */
    DestinationPolicy,
    /** What a server accepts: mutual TLS mode. */
    PeerAuthentication,
    /** Who may call what on a server. */
    AuthorizationPolicy,
    /** Server-side request rate limit, local to each instance. */
    RateLimitPolicy,
    /** Static endpoints of a service, for use without etcd. */
    ServiceEntry,
    /** A workload's telemetry (Istio's Telemetry kind): its access log. */
    Telemetry;

    /** The kind with exactly this name (case-sensitive), as typed in {@code kind:} and in etcd keys. */
    public static Optional<PolicyKind> fromName(String name) {
        for (PolicyKind k : values()) {
            if (k.name().equals(name)) {
                return Optional.of(k);
            }
        }
        return Optional.empty();
    }
}
