package dev.skein.server.dashboard;

import java.util.Map;
import java.util.TreeMap;

/** Cumulative bucket counts of one latency histogram (upper bound in seconds to count). */
final class Histogram {
    private final TreeMap<Double, Double> cumulative = new TreeMap<>();

    void add(double upperBound, double count) {
        cumulative.merge(upperBound, count, Double::sum);
    }

    double count() {
        return cumulative.isEmpty() ? 0 : cumulative.lastEntry().getValue();
    }

    /**
     * The q-quantile in seconds, interpolated linearly inside its bucket as Prometheus'
     * {@code histogram_quantile} does; NaN without observations.
     */
    double quantile(double q) {
        double total = count();
        if (total <= 0) {
            return Double.NaN;
        }
        double target = q * total;
        double lower = 0;
        double below = 0;
        for (Map.Entry<Double, Double> b : cumulative.entrySet()) {
            double upper = b.getKey();
            double cum = b.getValue();
            if (cum >= target) {
                if (Double.isInfinite(upper)) {
                    return lower; // beyond the last finite bound: that bound is all we know
                }
                double inBucket = cum - below;
                return inBucket <= 0 ? upper : lower + (upper - lower) * (target - below) / inBucket;
            }
            lower = Double.isInfinite(upper) ? lower : upper;
            below = cum;
        }
        return lower;
    }
}
