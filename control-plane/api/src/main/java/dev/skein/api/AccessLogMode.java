package dev.skein.api;

/** Which requests an access log covers, as Istio's Telemetry {@code match.mode}. */
public enum AccessLogMode {
    /** Outbound calls the workload makes. */
    CLIENT,
    /** Inbound requests the workload serves. */
    SERVER,
    /** Both. */
    CLIENT_AND_SERVER
}
