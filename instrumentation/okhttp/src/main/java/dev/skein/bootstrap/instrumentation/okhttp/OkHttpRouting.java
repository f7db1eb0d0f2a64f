package dev.skein.bootstrap.instrumentation.okhttp;

import dev.skein.bootstrap.AgentFaults;
import dev.skein.bootstrap.Bridge;
import dev.skein.bootstrap.HeaderLookup;
import dev.skein.bootstrap.MeshSchemes;
import dev.skein.bootstrap.OutboundRoute;

/**
 * Routes one OkHttp request. Lives in the bootstrap loader (one copy for every class loader) and
 * so takes only {@code java.base} types: the advice unpacks the {@code Request}.
 */
public final class OkHttpRouting {
  private OkHttpRouting() {}

  /**
   * {@code https} for an endpoint that takes the mesh's mutual TLS (the connection then gets the
   * mesh's TLS, see {@code OkHttpTlsInstrumentationModule}), else the URL's own scheme.
   */
  public static String scheme(String current, OutboundRoute endpoint) {
    return MeshSchemes.scheme(current, endpoint);
  }

  /** The scheme for a retry or a mirror copy of a request already routed to {@code first}. */
  public static String scheme(String current, OutboundRoute endpoint, OutboundRoute first) {
    return MeshSchemes.scheme(current, endpoint, first);
  }

  /**
   * The endpoint to send to instead, or {@code null} to leave the request alone.
   *
   * @param headerPairs the request's headers as name, value, name, value...
   */
  public static OutboundRoute route(String host, int port, String method, String encodedPath, String[] headerPairs) {
    try {
      return Bridge.routeHttp(host, port, method, encodedPath, new PairHeaders(headerPairs));
    } catch (Throwable t) {
      AgentFaults.record("okhttp", t);
      return null;
    }
  }

  /** Case-insensitive lookup over a flat name/value array; first value wins. */
  static final class PairHeaders implements HeaderLookup {
    private final String[] pairs;

    PairHeaders(String[] pairs) {
      this.pairs = pairs;
    }

    @Override
    public String get(String lowerCaseName) {
      for (int i = 0; i + 1 < pairs.length; i += 2) {
        if (lowerCaseName.equalsIgnoreCase(pairs[i])) {
          return pairs[i + 1];
        }
      }
      return null;
    }
  }
}
