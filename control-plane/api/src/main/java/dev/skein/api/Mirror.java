package dev.skein.api;

import java.util.Objects;

/**
 * Traffic shadowing: a copy of some requests is sent to another destination and its response ignored.
 *
 * @param destination where copies go
 * @param percent     percent of requests copied, 0..100 (default 100)
 */
public record Mirror(Destination destination, double percent) {
    /** The destination is required. */
    public Mirror {
        Objects.requireNonNull(destination, "destination");
    }
}
