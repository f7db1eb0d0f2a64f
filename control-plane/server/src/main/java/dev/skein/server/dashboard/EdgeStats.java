package dev.skein.server.dashboard;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/** What one caller service sent one destination service over the window. */
final class EdgeStats {
    final String source;
    final String destination;
    private double requests;
    private double failed;
    private final Map<String, Double> bySubset = new TreeMap<>();
    final Histogram latency = new Histogram();

    EdgeStats(String source, String destination) {
        this.source = source;
        this.destination = destination;
    }

    double requests() {
        return requests;
    }

    /** Adds calls with one outcome: an HTTP status, a gRPC status code or an error type. */
    void add(String subset, String responseCode, double count) {
        requests += count;
        bySubset.merge(subset.isEmpty() ? "-" : subset, count, Double::sum);
        if (isFailure(responseCode)) {
            failed += count;
        }
    }

    /**
     * gRPC status codes are 0..16 (0 is OK), HTTP statuses 100..599 (5xx fail); anything else
     * is an error type (the call never got an answer).
     */
    static boolean isFailure(String code) {
        try {
            int c = Integer.parseInt(code);
            return c < 100 ? c != 0 : c >= 500;
        } catch (NumberFormatException e) {
            return true;
        }
    }

    Map<String, Object> json(double seconds) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("source", source);
        e.put("destination", destination);
        e.put("rps", round(requests / seconds, 1));
        e.put("successRate", requests == 0 ? null : round(100.0 * (requests - failed) / requests, 2));
        e.put("p50Ms", millis(latency.quantile(0.5)));
        e.put("p99Ms", millis(latency.quantile(0.99)));
        Map<String, Double> shares = new LinkedHashMap<>();
        bySubset.forEach((subset, n) -> {
            // A subset with no calls in the window (its series outlives it) is not shown.
            if (n > 0) {
                shares.put(subset, round(100.0 * n / requests, 1));
            }
        });
        e.put("subsets", shares);
        return e;
    }

    private static Double millis(double seconds) {
        return Double.isNaN(seconds) ? null : round(seconds * 1000, 2);
    }

    static double round(double v, int digits) {
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }
}
