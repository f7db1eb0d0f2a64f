package dev.skein.api;

/**
 * Where a route sends traffic.
 *
 * @param host   a service name ({@code orders} or {@code orders.default}); null means the route's own host
 * @param subset a subset defined by the host's DestinationPolicy; null means every endpoint
 * @param port   the port to call; null means the port the application used
 */
public record Destination(String host, String subset, Integer port) {
}
