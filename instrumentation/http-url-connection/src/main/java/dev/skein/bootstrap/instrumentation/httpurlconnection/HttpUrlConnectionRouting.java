package dev.skein.bootstrap.instrumentation.httpurlconnection;

import dev.skein.bootstrap.AgentFaults;
import dev.skein.bootstrap.Bridge;
import dev.skein.bootstrap.MeshSchemes;
import dev.skein.bootstrap.OutboundRoute;
import java.net.HttpURLConnection;
import java.net.URL;

/**
 * Routes one {@code HttpURLConnection} request at the moment the JDK picks the HTTP client (the
 * socket) for it: by then the method and the request headers are set, so Route matches on
 * headers, path and method all apply.
 */
public final class HttpUrlConnectionRouting {
  private HttpUrlConnectionRouting() {}

  /** The URL to connect to instead, or {@code null} to leave the connection alone. */
  public static URL target(URL url, HttpURLConnection connection) {
    try {
      if (url == null || !"http".equals(url.getProtocol())) {
        return null;
      }
      OutboundRoute copy = HttpUrlConnectionMirror.sending();
      if (copy != null) {
        return retarget(url, copy); // a mirror copy goes to the mirror endpoint, under no policy
      }
      OutboundRoute retry = HttpUrlConnectionCalls.retryEndpoint(connection);
      if (retry != null) {
        HttpUrlConnectionCalls.routed(connection, retry); // the retry's read timeout is set already
        return retarget(url, retry);
      }
      String method = connection == null ? "GET" : connection.getRequestMethod();
      OutboundRoute route =
          Bridge.routeHttp(
              url.getHost(),
              url.getPort(),
              method,
              url.getPath(),
              name -> connection == null ? null : connection.getRequestProperty(name));
      if (route == null) {
        return null;
      }
      HttpUrlConnectionCalls.routed(connection, route);
      limitReads(connection, route);
      return retarget(url, route);
    } catch (Throwable t) {
      AgentFaults.record("http-url-connection", t);
      return null;
    }
  }

  /**
   * The Route's {@code timeout} (or {@code perTryTimeout}, the shorter) as the connection's read
   * timeout when it is shorter than the application's own: the JDK then ends a slow call with its
   * own {@code SocketTimeoutException}. Set before the JDK hands the timeout to the socket.
   */
  static void limitReads(HttpURLConnection connection, OutboundRoute route) {
    long limit = limit(route);
    if (connection != null && limit > 0) {
      int own = connection.getReadTimeout();
      if (own <= 0 || own > limit) {
        connection.setReadTimeout((int) limit);
      }
    }
  }

  static long limit(OutboundRoute route) {
    dev.skein.bootstrap.CallPolicy policy = route == null ? null : route.policy();
    if (policy == null) {
      return 0;
    }
    long overall = policy.timeoutMillis();
    long perTry = policy.perTryTimeoutMillis();
    return overall <= 0 ? Math.max(perTry, 0) : perTry <= 0 ? overall : Math.min(overall, perTry);
  }

  @SuppressWarnings("deprecation") // URL(String, String, int, String) is the one that keeps the file as it is
  static URL retarget(URL url, OutboundRoute route) throws java.net.MalformedURLException {
    String address = route.address();
    String host = address.indexOf(':') >= 0 ? "[" + address + "]" : address;
    // https for an endpoint that takes the mesh's TLS: the JDK keeps idle connections by URL, so
    // a mesh TLS connection is never reused for a plain-text request (tls.mode changed) or the
    // other way round. The request itself still names http://service (the connection's own URL).
    return new URL(MeshSchemes.scheme(url.getProtocol(), route), host, route.port(), url.getFile());
  }
}
