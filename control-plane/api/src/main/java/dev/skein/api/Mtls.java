package dev.skein.api;

import java.util.Objects;

/**
 * Server-side mutual TLS setting.
 *
 * @param mode required
 */
public record Mtls(MtlsMode mode) {
    /** The mode is required. */
    public Mtls {
        Objects.requireNonNull(mode, "mode");
    }
}
