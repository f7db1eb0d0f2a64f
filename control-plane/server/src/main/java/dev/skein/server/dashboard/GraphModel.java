package dev.skein.server.dashboard;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Builds what the page draws from the agents' metrics over the window: one edge per caller and
 * destination service from the callers' {@code skein_requests_total} (rate, success, subset
 * shares) and client duration histograms (p50, p99); each service's inbound rate per version
 * from its own servers' duration histograms; each edge's mTLS state from the destination's
 * {@code skein_inbound_requests_total} (see {@link EdgeSecurity}).
 */
final class GraphModel {
    private static final String REQUESTS = "skein_requests_total";
    private static final List<String> CLIENT_BUCKETS =
            List.of("http_client_request_duration_seconds_bucket", "rpc_client_duration_seconds_bucket");
    private static final List<String> SERVER_COUNTS =
            List.of("http_server_request_duration_seconds_count", "rpc_server_duration_seconds_count");

    private final Map<String, EdgeStats> edges = new TreeMap<>();
    private final Map<String, Map<String, Double>> inboundByVersion = new TreeMap<>();
    private final EdgeSecurity security = new EdgeSecurity();
    private double seconds;

    /** Adds one agent's increases over the window. */
    void add(AgentInfo agent, MetricWindow.Delta delta) {
        seconds = Math.max(seconds, delta.seconds());
        for (PromSamples.Sample s : delta.increases()) {
            if (s.name().equals(REQUESTS)) {
                edge(agent.service(), serviceName(s.label("destination_service")))
                        .add(s.label("destination_subset"), s.label("response_code"), s.value());
            } else if (CLIENT_BUCKETS.contains(s.name())) {
                edge(agent.service(), serviceName(s.label("server_address")))
                        .latency.add(parseBound(s.label("le")), s.value());
            } else if (s.name().equals(EdgeSecurity.INBOUND)) {
                security.add(agent.service(), s);
            } else if (SERVER_COUNTS.contains(s.name()) && delta.seconds() > 0) {
                inboundByVersion.computeIfAbsent(agent.service(), k -> new TreeMap<>())
                        .merge(agent.version(), s.value() / delta.seconds(), Double::sum);
            }
        }
    }

    private EdgeStats edge(String source, String destination) {
        return edges.computeIfAbsent(source + "→" + destination, k -> new EdgeStats(source, destination));
    }

    /** The edges with traffic (an edge whose calls all fell out of the window disappears). */
    List<Map<String, Object>> edgesJson() {
        List<Map<String, Object>> out = new ArrayList<>();
        for (EdgeStats e : edges.values()) {
            Map<String, Object> json = e.json(Math.max(seconds, 0.001));
            if (((Double) json.get("rps")) > 0) {
                json.putAll(security.of(e.source, e.destination, e.requests()));
                out.add(json);
            }
        }
        return out;
    }

    /** Inbound requests per second by version label, for one service. */
    Map<String, Double> inbound(String service) {
        Map<String, Double> rates = new LinkedHashMap<>();
        inboundByVersion.getOrDefault(service, Map.of()).forEach((v, r) -> rates.put(v, EdgeStats.round(r, 1)));
        return rates;
    }

    double seconds() {
        return seconds;
    }

    /** The agents name a destination {@code ns/name} or {@code name}: the page shows the name. */
    private static String serviceName(String destination) {
        return destination.substring(destination.indexOf('/') + 1);
    }

    private static double parseBound(String le) {
        return le.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(le);
    }
}
