package dev.skein.api;

import java.util.Objects;

/**
 * One validation problem, rendered on one line as {@code <source>: <field>: <reason>}, for example
 * {@code /skein/policies/default/Route/orders: spec.http[1].route[0].weight: must be 0..100, got 140}.
 *
 * @param source the file name or etcd key the policy came from
 * @param field  the dotted field path inside the document; empty when the problem concerns the whole input
 * @param reason what is wrong, in plain words
 */
public record Problem(String source, String field, String reason) {

    /** Null-safe: a missing field becomes the empty string. */
    public Problem {
        Objects.requireNonNull(source, "source");
        field = field == null ? "" : field;
        Objects.requireNonNull(reason, "reason");
    }

    /** {@code <source>: <field>: <reason>}, or {@code <source>: <reason>} when there is no field. */
    @Override
    public String toString() {
        return field.isEmpty() ? source + ": " + reason : source + ": " + field + ": " + reason;
    }
}
