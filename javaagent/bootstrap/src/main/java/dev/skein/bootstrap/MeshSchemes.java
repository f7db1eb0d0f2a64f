package dev.skein.bootstrap;

/**
 * The URL scheme of a routed HTTP request, for client libraries that choose TLS by scheme: a
 * request the mesh sends to an endpoint that takes the mesh's mutual TLS goes out as
 * {@code https}, and the connection then gets the mesh's TLS.
 */
public final class MeshSchemes {
  private MeshSchemes() {}

  /** {@code https} for an endpoint that takes the mesh's TLS, else {@code current}. */
  public static String scheme(String current, OutboundRoute endpoint) {
    return "http".equals(current) && takesTls(endpoint) ? "https" : current;
  }

  /**
   * The scheme for a retry or a mirror copy of a request first routed to {@code first}: an
   * {@code https} the mesh made for {@code first} goes back to {@code http} for an endpoint
   * without the mesh's TLS.
   */
  public static String scheme(String current, OutboundRoute endpoint, OutboundRoute first) {
    boolean meshMade = "https".equals(current) && takesTls(first);
    return takesTls(endpoint) && ("http".equals(current) || meshMade) ? "https" : meshMade ? "http" : current;
  }

  private static boolean takesTls(OutboundRoute endpoint) {
    return endpoint != null && Bridge.outboundTls(endpoint.address(), endpoint.port()) != null;
  }
}
