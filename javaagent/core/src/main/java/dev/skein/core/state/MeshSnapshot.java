package dev.skein.core.state;

import dev.skein.api.Endpoint;
import dev.skein.api.Policy;
import dev.skein.api.Problem;
import dev.skein.core.routing.ServiceTarget;
import java.util.List;
import java.util.Map;

/**
 * Everything the request path needs, immutable, published by one atomic reference swap: a
 * request sees the old policy set or the new one, never a mix.
 *
 * @param httpByHost services by every host name a client may use for them ({@code orders} in
 *     this workload's namespace, {@code orders.ns} everywhere)
 * @param httpById the same services by {@code namespace/name}
 * @param grpcByHost the same view over endpoints whose protocol is {@code grpc}
 * @param grpcById the gRPC view by {@code namespace/name}
 */
public record MeshSnapshot(
    long revision,
    ConfigChange.Origin origin,
    Map<String, Policy> policies,
    Map<String, Endpoint> endpoints,
    Map<String, List<Problem>> rejected,
    Map<String, ServiceTarget> httpByHost,
    Map<String, ServiceTarget> httpById,
    Map<String, ServiceTarget> grpcByHost,
    Map<String, ServiceTarget> grpcById) {}
