package dev.skein.api;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A condition on one string (a header value or the path).
 *
 * @param type    how to compare
 * @param value   the literal or the regular expression
 * @param pattern the compiled expression, non-null only for {@link MatchType#REGEX}
 */
public record StringMatch(MatchType type, String value, Pattern pattern) {

    /** Checks that the pattern is present exactly when needed. */
    public StringMatch {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(value, "value");
        if (type == MatchType.REGEX) {
            pattern = pattern != null ? pattern : Pattern.compile(value);
        } else {
            pattern = null;
        }
    }

    /** An exact match. */
    public static StringMatch exact(String value) {
        return new StringMatch(MatchType.EXACT, value, null);
    }

    /** A prefix match. */
    public static StringMatch prefix(String value) {
        return new StringMatch(MatchType.PREFIX, value, null);
    }

    /** A full regular-expression match. @throws java.util.regex.PatternSyntaxException on a bad expression */
    public static StringMatch regex(String value) {
        return new StringMatch(MatchType.REGEX, value, Pattern.compile(value));
    }

    /** Whether {@code s} satisfies this condition; an absent string never does. */
    public boolean matches(String s) {
        if (s == null) {
            return false;
        }
        return switch (type) {
            case EXACT -> value.equals(s);
            case PREFIX -> s.startsWith(value);
            case REGEX -> pattern.matcher(s).matches();
        };
    }

    // Pattern has identity equality; compare by the expression so that re-parsed policies are equal.
    @Override
    public boolean equals(Object o) {
        return o instanceof StringMatch m && m.type == type && m.value.equals(value);
    }

    @Override
    public int hashCode() {
        return Objects.hash(type, value);
    }
}
