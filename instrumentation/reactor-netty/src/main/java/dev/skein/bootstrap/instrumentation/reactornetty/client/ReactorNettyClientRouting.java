package dev.skein.bootstrap.instrumentation.reactornetty.client;

import dev.skein.bootstrap.AgentFaults;
import dev.skein.bootstrap.Bridge;
import dev.skein.bootstrap.OutboundRoute;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Map;

/**
 * Routes one Reactor Netty client request when the client asks for the address to connect to.
 * Lives in the bootstrap loader and takes only {@code java.base} types: the advice hands over the
 * handler's fields as plain objects (Netty's own types are not visible here).
 */
public final class ReactorNettyClientRouting {
  private ReactorNettyClientRouting() {}

  /**
   * The address to connect to instead, or {@code null} to keep {@code address}.
   *
   * @param method the request's {@code HttpMethod}; its {@code toString()} is the name
   * @param headers the client's configured headers, an {@code Iterable} of name/value entries
   * @param uri the request's {@code UriEndpoint}; its {@code toString()} is the full URL
   */
  public static SocketAddress target(SocketAddress address, Object method, Object headers, Object uri) {
    try {
      if (!(address instanceof InetSocketAddress inet) || !inet.isUnresolved()) {
        return null;
      }
      OutboundRoute route =
          Bridge.routeHttp(
              inet.getHostString(),
              inet.getPort(),
              method == null ? "GET" : method.toString(),
              pathOf(String.valueOf(uri)),
              name -> header(headers, name));
      return route == null ? null : new InetSocketAddress(route.address(), route.port());
    } catch (Throwable t) {
      AgentFaults.record("reactor-netty-client", t);
      return null;
    }
  }

  /** The raw path of {@code scheme://authority/path?query}. */
  static String pathOf(String url) {
    int authority = url.indexOf("://");
    int start = url.indexOf('/', authority < 0 ? 0 : authority + 3);
    if (start < 0) {
      return "/";
    }
    int end = url.indexOf('?', start);
    return end < 0 ? url.substring(start) : url.substring(start, end);
  }

  @SuppressWarnings("unchecked")
  private static String header(Object headers, String name) {
    if (headers instanceof Iterable<?> entries) {
      for (Map.Entry<String, String> e : (Iterable<Map.Entry<String, String>>) entries) {
        if (name.equalsIgnoreCase(e.getKey())) {
          return e.getValue();
        }
      }
    }
    return null;
  }
}
