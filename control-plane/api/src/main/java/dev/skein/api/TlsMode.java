package dev.skein.api;

/** Client-side TLS towards a host. */
public enum TlsMode {
    /** Mutual TLS with the workload certificates (the default). */
    MESH,
    /** Plain text. */
    DISABLE
}
