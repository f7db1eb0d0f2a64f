package dev.skein.api;

import java.util.Objects;

/**
 * Client-side TLS towards a host.
 *
 * @param mode required
 */
public record Tls(TlsMode mode) {
    /** The mode is required. */
    public Tls {
        Objects.requireNonNull(mode, "mode");
    }
}
