package dev.skein.server.dashboard;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How each edge's requests were actually secured, from what the destination's servers counted
 * ({@code skein_inbound_requests_total}): requests over mutual TLS by the caller's SPIFFE ID, and
 * plain-text requests, whose caller no server can know. An edge is {@code mTLS} when its caller's
 * requests arrived over mutual TLS and none in plain text could be its own, {@code plaintext} when
 * none arrived over mutual TLS, {@code mixed} otherwise, and {@code unknown} when the destination's
 * servers counted none (no admin port, or no request reached them).
 */
final class EdgeSecurity {
    static final String INBOUND = "skein_inbound_requests_total";

    private final Map<String, Map<String, Double>> mutualTlsBySource = new HashMap<>();
    private final Map<String, Double> plaintext = new HashMap<>();

    /** One increase of a destination agent's {@code skein_inbound_requests_total} series. */
    void add(String destination, PromSamples.Sample s) {
        if (s.label("connection_security_policy").equals("mutual_tls")) {
            mutualTlsBySource.computeIfAbsent(destination, k -> new HashMap<>())
                    .merge(service(s.label("source_principal")), s.value(), Double::sum);
        } else {
            plaintext.merge(destination, s.value(), Double::sum);
        }
    }

    /**
     * The state of the edge and the share of its requests seen over mutual TLS. Plain text at the
     * destination counts against the edge up to the edge's requests not seen over mutual TLS (the
     * rest came from other callers, e.g. outside the mesh).
     */
    Map<String, Object> of(String source, String destination, double requests) {
        double mutualTls = mutualTlsBySource.getOrDefault(destination, Map.of()).getOrDefault(source, 0.0);
        double plain = Math.min(plaintext.getOrDefault(destination, 0.0), Math.max(0, requests - mutualTls));
        String state;
        if (mutualTls + plain == 0) {
            state = "unknown";
        } else if (plain == 0) {
            state = "mTLS";
        } else if (mutualTls == 0) {
            state = "plaintext";
        } else {
            state = "mixed";
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("mtls", state);
        // Rounded down: a mixed edge never reads 100%.
        out.put("mtlsShare", mutualTls + plain == 0 ? null : Math.floor(1000 * mutualTls / (mutualTls + plain)) / 10);
        return out;
    }

    /** The service of {@code spiffe://<trust domain>/ns/<namespace>/sa/<service>}. */
    static String service(String spiffeId) {
        int sa = spiffeId.lastIndexOf("/sa/");
        return sa < 0 ? spiffeId : spiffeId.substring(sa + 4);
    }
}
