package dev.skein.bootstrap;

/**
 * The engine's answer for one outbound request: the endpoint to send it to, and the route and
 * subset that chose it (for telemetry and for the headers a test can read).
 */
public final class OutboundRoute {
  private final String address;
  private final int port;
  private final String service;
  private final String route;
  private final String subset;

  public OutboundRoute(String address, int port, String service, String route, String subset) {
    this.address = address;
    this.port = port;
    this.service = service;
    this.route = route;
    this.subset = subset;
  }

  public String address() {
    return address;
  }

  public int port() {
    return port;
  }

  /** {@code namespace/name} of the destination service. */
  public String service() {
    return service;
  }

  /** The name of the Route rule that matched, or {@code null}. */
  public String route() {
    return route;
  }

  /** The destination subset, or {@code null} for all endpoints. */
  public String subset() {
    return subset;
  }

  /** {@code address:port}, with brackets around an IPv6 literal: ready for a URI authority. */
  public String authority() {
    return (address.indexOf(':') >= 0 ? "[" + address + "]" : address) + ":" + port;
  }

  @Override
  public String toString() {
    return service + " -> " + authority() + (subset == null ? "" : " (" + subset + ")");
  }
}
