package dev.skein.api;

import java.util.Locale;
import java.util.regex.Pattern;

/** Name rules shared by all kinds. Names end up in etcd keys and SPIFFE IDs, hence DNS-1123. */
final class Names {
    /** DNS-1123 label: what Kubernetes uses for names and namespaces. */
    private static final Pattern LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    /** An HTTP header name (RFC 9110 token), optionally an HTTP/2 pseudo-header such as {@code :authority}. */
    private static final Pattern HEADER = Pattern.compile(":?[!#$%&'*+.^_`|~0-9A-Za-z-]+");
    private static final Pattern METHOD = Pattern.compile("[A-Za-z]+");
    /** Label keys and values must survive the {@code version=v2,zone=a} syntax of {@code skein.labels}. */
    private static final Pattern LABEL_KEY = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9._/-]{0,251}[A-Za-z0-9])?");
    private static final Pattern LABEL_VALUE = Pattern.compile("([A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?)?");

    private Names() {}

    static boolean isLabel(String s) {
        return s != null && LABEL.matcher(s).matches();
    }

    /** DNS-1123 subdomain: dot-separated labels, at most 253 characters. */
    static boolean isHost(String s) {
        if (s == null || s.isEmpty() || s.length() > 253) {
            return false;
        }
        for (String part : s.split("\\.", -1)) {
            if (!isLabel(part)) {
                return false;
            }
        }
        return true;
    }

    /** Reads a DNS-1123 label field. */
    static String label(Binder b, String key) {
        String s = b.string(key);
        if (s != null && !isLabel(s)) {
            b.problem(key, notLabel(s));
            return null;
        }
        return s;
    }

    static String notLabel(String s) {
        return "must be a DNS-1123 label (at most 63 of a-z, 0-9 and '-', starting and ending alphanumeric), got "
                + Values.quote(s);
    }

    /** Reads a host field: a service name, {@code name.namespace}, or another DNS name. */
    static String host(Binder b, String key) {
        String s = b.string(key);
        if (s != null && !isHost(s)) {
            b.problem(key, "must be a lower-case DNS name such as orders or orders.default, got " + Values.quote(s));
            return null;
        }
        return s;
    }

    /** Reads a header name field, lower-cased because header names are case-insensitive. */
    static String headerName(Binder b, String key) {
        String s = b.string(key);
        if (s != null && !isHeaderName(s)) {
            b.problem(key, "must be an HTTP header name, got " + Values.quote(s));
            return null;
        }
        return s == null ? null : s.toLowerCase(Locale.ROOT);
    }

    static boolean isHeaderName(String s) {
        return HEADER.matcher(s).matches();
    }

    static boolean isMethod(String s) {
        return METHOD.matcher(s).matches();
    }

    /** Reads a labels mapping, checking keys and values. */
    static java.util.Map<String, String> labels(Binder b, String key) {
        java.util.Map<String, String> labels = b.stringMap(key);
        if (labels == null) {
            return null;
        }
        for (java.util.Map.Entry<String, String> e : labels.entrySet()) {
            String at = key + "." + e.getKey();
            if (!LABEL_KEY.matcher(e.getKey()).matches()) {
                b.problem(at, "bad label key " + Values.quote(e.getKey())
                        + ": letters, digits, '.', '_', '/' and '-', starting and ending alphanumeric");
            } else if (!LABEL_VALUE.matcher(e.getValue()).matches()) {
                b.problem(at, "bad label value " + Values.quote(e.getValue())
                        + ": at most 63 letters, digits, '.', '_' and '-', starting and ending alphanumeric");
            }
        }
        return labels;
    }
}
