package dev.skein.instrumentation.apachehttpclient5.mesh;

import dev.skein.bootstrap.AgentFaults;
import dev.skein.bootstrap.Bridge;
import dev.skein.bootstrap.OutboundRoute;
import java.util.HashMap;
import java.util.Map;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.net.URIAuthority;

/**
 * The client span and metrics of one routed Apache request (classic or async), as OkHttp and the
 * JDK HttpClient have them: started before the first try, with the propagation headers
 * ({@code traceparent}...) set on the request so that every try carries them; the tries' spans
 * are the call path's.
 */
final class ApacheTelemetry {
  private ApacheTelemetry() {}

  /** Starts the call's telemetry and sets its propagation headers on the request; the handle, or {@code null}. */
  static Object start(HttpRequest request, OutboundRoute route) {
    try {
      Map<String, String> inject = new HashMap<>();
      String service = route.service(); // namespace/name
      URIAuthority authority = request.getAuthority();
      String scheme = request.getScheme() == null ? "http" : request.getScheme();
      int port = authority == null || authority.getPort() < 0 ? ("https".equals(scheme) ? 443 : 80) : authority.getPort();
      String url = scheme + "://" + (authority == null ? service.substring(service.indexOf('/') + 1) : authority) + request.getPath();
      Object telemetry = Bridge.clientStart("http", route, request.getMethod(), url, service.substring(service.indexOf('/') + 1), port, inject);
      inject.forEach(request::setHeader);
      return telemetry;
    } catch (Throwable t) {
      AgentFaults.record("apache-telemetry", t);
      return null;
    }
  }
}
