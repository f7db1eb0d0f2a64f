package dev.skein.api;

/**
 * Telemetry of a workload, a subset of Istio's Telemetry API: for now its access log.
 *
 * @param selector      nullable: the whole namespace
 * @param accessLogging never null
 */
public record TelemetrySpec(Selector selector, AccessLogging accessLogging) implements PolicySpec {
}
