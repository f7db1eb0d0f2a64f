package dev.skein.api;

import java.util.Objects;

/**
 * A policy's identity.
 *
 * @param name      DNS-1123 label
 * @param namespace DNS-1123 label, {@code default} when not given
 */
public record Metadata(String name, String namespace) {
    /** Both parts are required. */
    public Metadata {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(namespace, "namespace");
    }
}
