package dev.skein.api;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One instance of a service, as agents register it under {@code <prefix>/endpoints/<ns>/<service>/<id>}
 * and as ServiceEntry lists it. JSON form:
 * {@code {"address":"127.0.0.1","port":8081,"protocol":"http","labels":{"version":"v1"}}}.
 *
 * @param address  IP address or host name
 * @param port     1..65535
 * @param protocol {@code http} or {@code grpc}
 * @param labels   the instance's labels; may be empty
 * @param tls      the server accepts the mesh's mutual TLS on this port (agent-written: the server library
 *                 supports it, the agent holds a workload certificate and PeerAuthentication is not DISABLE);
 *                 written as {@code "tls":true}, absent when false
 */
public record Endpoint(String address, int port, String protocol, Map<String, String> labels, boolean tls) {

    /** The protocols an endpoint may speak. */
    public static final List<String> PROTOCOLS = List.of("http", "grpc");

    /** Immutable copy; protocol defaults to http. */
    public Endpoint {
        Objects.requireNonNull(address, "address");
        protocol = protocol == null ? "http" : protocol;
        labels = labels == null ? Map.of() : Map.copyOf(labels);
    }

    /** An endpoint that speaks plain text only. */
    public Endpoint(String address, int port, String protocol, Map<String, String> labels) {
        this(address, port, protocol, labels, false);
    }

    /** The same endpoint with the TLS flag set as given. */
    public Endpoint withTls(boolean on) {
        return new Endpoint(address, port, protocol, labels, on);
    }

    /** Compact JSON with labels sorted, so the same endpoint always serialises to the same bytes. */
    public String toJson() {
        StringBuilder sb = new StringBuilder("{\"address\":");
        Json.string(sb, address);
        sb.append(",\"port\":").append(port).append(",\"protocol\":");
        Json.string(sb, protocol);
        sb.append(",\"labels\":{");
        boolean first = true;
        for (Map.Entry<String, String> e : new TreeMap<>(labels).entrySet()) {
            if (!first) {
                sb.append(',');
            }
            first = false;
            Json.string(sb, e.getKey());
            sb.append(':');
            Json.string(sb, e.getValue());
        }
        sb.append('}');
        if (tls) {
            sb.append(",\"tls\":true");
        }
        return sb.append('}').toString();
    }

    /**
     * Reads the JSON an agent registered. Unknown fields are ignored here, unlike in policies: this record
     * is written by other agents, possibly newer ones, and an endpoint must not vanish during an upgrade.
     *
     * @throws PolicyException with every problem found
     */
    public static Endpoint fromJson(String json) {
        Problems problems = new Problems("endpoint");
        Endpoint e = null;
        try {
            List<org.snakeyaml.engine.v2.nodes.Node> docs = YamlDocuments.load(json, problems);
            if (problems.count() == 0 && docs.size() != 1) {
                problems.add("", "must be one JSON object, got " + docs.size() + " documents");
            } else if (problems.count() == 0) {
                Binder b = Binder.of(problems, "", docs.get(0));
                e = b == null ? null : EndpointBinder.bind(b, false);
            }
        } catch (RuntimeException | StackOverflowError ex) {
            problems.add("", "internal error: " + ex);
        }
        if (e == null || problems.count() > 0) {
            throw new PolicyException(problems.list());
        }
        return e;
    }
}
