package dev.skein.api;

/** What a server accepts. */
public enum MtlsMode {
    /** Mutual TLS only. */
    STRICT,
    /** Mutual TLS or plain text, told apart by the first byte (the default). */
    PERMISSIVE,
    /** Plain text only. */
    DISABLE
}
