package dev.skein.api;

/** How a {@link StringMatch} compares. */
public enum MatchType {
    /** The whole string equals the value. */
    EXACT,
    /** The string starts with the value. */
    PREFIX,
    /** The whole string matches the regular expression (not a find). */
    REGEX
}
