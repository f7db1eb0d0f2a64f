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
        // An etcd key may hold any byte: a newline in it must not start a forged log line.
        String s = oneLine(source);
        return field.isEmpty() ? s + ": " + oneLine(reason) : s + ": " + oneLine(field) + ": " + oneLine(reason);
    }

    private static String oneLine(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < 0x20 || s.charAt(i) == 0x7f) {
                StringBuilder sb = new StringBuilder(s.length() + 8);
                for (char c : s.toCharArray()) {
                    if (c < 0x20 || c == 0x7f) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
                return sb.toString();
            }
        }
        return s;
    }
}
