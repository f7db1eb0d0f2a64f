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
      return retarget(url, route);
    } catch (Throwable t) {
      AgentFaults.record("http-url-connection", t);
      return null;
    }
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
