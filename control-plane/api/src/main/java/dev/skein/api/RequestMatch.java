package dev.skein.api;

import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Conditions on a request; all given ones must hold. An empty match (no conditions) matches every request.
 *
 * @param headers header name (lower-case) to condition on its value; empty for none
 * @param path    condition on the request path (for gRPC {@code /pkg.Service/Method}); nullable
 * @param method  HTTP method, upper-case; nullable
 */
public record RequestMatch(Map<String, StringMatch> headers, StringMatch path, String method) {

    /** Immutable copy, header names lower-cased, method upper-cased. */
    public RequestMatch {
        Map<String, StringMatch> lower = new java.util.LinkedHashMap<>();
        if (headers != null) {
            headers.forEach((k, v) -> lower.put(k.toLowerCase(Locale.ROOT), v));
        }
        headers = Map.copyOf(lower);
        method = method == null ? null : method.toUpperCase(Locale.ROOT);
    }

    /**
     * Whether a request satisfies every condition.
     *
     * @param method       the request method; compared case-insensitively
     * @param path         the request path, without query
     * @param headerLookup the first value of a header by lower-case name, or null when absent
     */
    public boolean matches(String method, String path, Function<String, String> headerLookup) {
        if (this.method != null && !this.method.equalsIgnoreCase(method)) {
            return false;
        }
        if (this.path != null && !this.path.matches(path)) {
            return false;
        }
        for (Map.Entry<String, StringMatch> h : headers.entrySet()) {
            String value = headerLookup == null ? null : headerLookup.apply(h.getKey());
            if (!h.getValue().matches(value)) {
                return false;
            }
        }
        return true;
    }
}
