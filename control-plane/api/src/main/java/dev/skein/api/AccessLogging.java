package dev.skein.api;

/**
 * Whether the selected workloads write one access-log line per request, and for which side.
 *
 * @param disabled true turns access logging off (Istio's field; default false: on)
 * @param mode     which requests are logged; {@link AccessLogMode#CLIENT_AND_SERVER} when omitted
 */
public record AccessLogging(boolean disabled, AccessLogMode mode) {
    /** An omitted mode logs both sides. */
    public AccessLogging {
        mode = mode == null ? AccessLogMode.CLIENT_AND_SERVER : mode;
    }

    /** Whether a request of this side (client: outbound, server: inbound) is logged. */
    public boolean logs(boolean client) {
        return !disabled && (mode == AccessLogMode.CLIENT_AND_SERVER || (mode == AccessLogMode.CLIENT) == client);
    }
}
