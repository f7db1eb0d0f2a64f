package dev.skein.api;

/** The kind-specific part of a policy; one record per {@link PolicyKind}. */
public sealed interface PolicySpec
        permits RouteSpec, DestinationPolicySpec, PeerAuthenticationSpec, AuthorizationPolicySpec,
                RateLimitPolicySpec, ServiceEntrySpec, TelemetrySpec {
}
