package dev.skein.api;

/** Binds the Telemetry kind. */
final class TelemetryBinder {
    private TelemetryBinder() {}

    static TelemetrySpec bind(Binder spec) {
        int before = spec.problems().count();
        spec.allow("selector", "accessLogging");
        // The only thing a Telemetry policy sets today: one without it would silently do nothing.
        spec.require("accessLogging");
        Selector selector = SecurityBinders.selector(spec);
        Binder logging = spec.object("accessLogging");
        AccessLogging accessLogging = null;
        if (logging != null) {
            logging.allow("disabled", "mode");
            Boolean disabled = logging.bool("disabled");
            AccessLogMode mode = logging.enumValue("mode", AccessLogMode.class);
            accessLogging = new AccessLogging(Boolean.TRUE.equals(disabled), mode);
        }
        return spec.problems().count() > before || accessLogging == null ? null : new TelemetrySpec(selector, accessLogging);
    }
}
