package dev.skein.bootstrap.instrumentation.apachehttpclient5;

import dev.skein.bootstrap.AgentFaults;
import dev.skein.bootstrap.Bridge;
import dev.skein.bootstrap.HeaderLookup;
import dev.skein.bootstrap.OutboundRoute;

/**
 * Routes one Apache HttpClient 5 request. Lives in the bootstrap loader and so takes only
 * {@code java.base} types: the advice unpacks the {@code HttpHost} and the request.
 */
public final class ApacheHttpClientRouting {
  private ApacheHttpClientRouting() {}

  /**
   * The endpoint to connect to instead, or {@code null} to leave the request alone.
   *
   * @param pathAndQuery the request's path, query included (the query is not matched)
   * @param headerPairs the request's headers as name, value, name, value...
   */
  public static OutboundRoute route(String host, int port, String method, String pathAndQuery, String[] headerPairs) {
    try {
      if (host == null) {
        return null;
      }
      String path = pathAndQuery;
      int query = path == null ? -1 : path.indexOf('?');
      if (query >= 0) {
        path = path.substring(0, query);
      }
      return Bridge.routeHttp(host, port, method, path, new PairHeaders(headerPairs));
    } catch (Throwable t) {
      AgentFaults.record("apache-httpclient-5", t);
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
