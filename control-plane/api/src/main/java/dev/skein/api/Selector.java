package dev.skein.api;

import java.util.Objects;

/**
 * The workloads a server-side policy applies to. A policy without a selector applies to its whole namespace.
 *
 * @param service the service name, DNS-1123 label
 */
public record Selector(String service) {
    /** The service is required. */
    public Selector {
        Objects.requireNonNull(service, "service");
    }
}
