package dev.skein.instrumentation.apachehttpclient5;

import dev.skein.bootstrap.OutboundRoute;
import dev.skein.bootstrap.instrumentation.apachehttpclient5.ApacheHttpClientRouting;
import dev.skein.bootstrap.instrumentation.apachehttpclient5.ApacheMeshTls;
import net.bytebuddy.asm.Advice;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.http.protocol.HttpContext;
import org.apache.hc.core5.net.URIAuthority;

/**
 * Replaces the target host from which the client plans its connection route with the endpoint
 * the mesh chose ({@code https} when that endpoint takes the mesh's TLS). The request itself is
 * left as it is, so its {@code Host} header still names the service; connections are pooled per
 * endpoint, since the pool keys on the route. The route is left in the context for the mesh's exec
 * interceptor, which applies its policy.
 */
final class DetermineRouteAdvice {
  private DetermineRouteAdvice() {}

  @Advice.OnMethodEnter(suppress = Throwable.class)
  static void enter(
      @Advice.Argument(value = 0, readOnly = false) HttpHost target,
      @Advice.Argument(1) HttpRequest request,
      @Advice.Argument(2) HttpContext context) {
    URIAuthority authority = request.getAuthority();
    String host = target != null ? target.getHostName() : authority != null ? authority.getHostName() : null;
    int port = target != null ? target.getPort() : authority != null ? authority.getPort() : -1;
    String scheme = target != null ? target.getSchemeName() : request.getScheme();
    Header[] headers = request.getHeaders();
    String[] pairs = new String[headers.length * 2];
    for (int i = 0; i < headers.length; i++) {
      pairs[2 * i] = headers[i].getName();
      pairs[2 * i + 1] = headers[i].getValue();
    }
    OutboundRoute route = ApacheHttpClientRouting.route(host, port, request.getMethod(), request.getPath(), pairs);
    if (route != null) {
      target = new HttpHost(ApacheMeshTls.scheme(scheme == null ? "http" : scheme, route), route.address(), route.port());
    }
    // For the mesh's exec interceptor (classic client), which applies the route's policy.
    if (context != null) {
      if (route != null) {
        context.setAttribute("dev.skein.route", route);
      } else {
        context.removeAttribute("dev.skein.route");
      }
    }
  }
}
