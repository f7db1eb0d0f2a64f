package dev.skein.api;

/**
 * Identifies a registered endpoint: {@code <prefix>/endpoints/<namespace>/<service>/<instanceId>}.
 *
 * @param namespace  the service's namespace
 * @param service    the service name
 * @param instanceId unique per running instance
 */
public record EndpointRef(String namespace, String service, String instanceId) {
}
