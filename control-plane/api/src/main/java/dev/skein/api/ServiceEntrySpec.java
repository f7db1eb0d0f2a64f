package dev.skein.api;

import java.util.List;
import java.util.Objects;

/**
 * Static endpoints of a service (a Skein extension for file mode, where no agent registers in etcd).
 *
 * @param host      the service name
 * @param endpoints never empty
 */
public record ServiceEntrySpec(String host, List<Endpoint> endpoints) implements PolicySpec {
    /** Immutable copy. */
    public ServiceEntrySpec {
        Objects.requireNonNull(host, "host");
        endpoints = List.copyOf(endpoints);
    }
}
