package dev.skein.api;

import java.util.Map;
import java.util.Objects;

/**
 * A named group of a host's endpoints: those whose labels include all of {@code labels}.
 *
 * @param name   DNS-1123 label, unique within its policy
 * @param labels never empty
 */
public record Subset(String name, Map<String, String> labels) {

    /** Immutable copy. */
    public Subset {
        Objects.requireNonNull(name, "name");
        labels = Map.copyOf(labels);
    }

    /** Whether an endpoint with these labels belongs to the subset. */
    public boolean selects(Map<String, String> endpointLabels) {
        for (Map.Entry<String, String> e : labels.entrySet()) {
            if (endpointLabels == null || !e.getValue().equals(endpointLabels.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }
}
