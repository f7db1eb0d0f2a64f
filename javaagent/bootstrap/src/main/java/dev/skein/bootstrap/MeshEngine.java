package dev.skein.bootstrap;

import java.net.InetSocketAddress;

/**
 * What instrumentation asks of the mesh engine. The engine lives in its own class loader and
 * implements this interface; advice reaches it only through {@link Bridge}, which catches
 * anything it throws.
 */
public interface MeshEngine {
  /**
   * Decides where an outbound HTTP request goes.
   *
   * @param host the host the application asked for ({@code orders}, {@code orders.default})
   * @param port the port in the URL, or -1
   * @return the chosen endpoint, or {@code null} when the host is not a mesh service (the
   *     request then passes through untouched)
   */
  OutboundRoute routeHttp(String host, int port, String method, String path, HeaderLookup headers);

  /** An instrumented server started listening: register it as an endpoint of this service. */
  void serverStarted(Object server, String protocol, InetSocketAddress address);

  /** An instrumented server is stopping: remove its registration first. */
  void serverStopping(Object server);

  /** Used until the engine is installed, and when the agent could not start. */
  MeshEngine NOOP =
      new MeshEngine() {
        @Override
        public OutboundRoute routeHttp(String host, int port, String method, String path, HeaderLookup headers) {
          return null;
        }

        @Override
        public void serverStarted(Object server, String protocol, InetSocketAddress address) {}

        @Override
        public void serverStopping(Object server) {}
      };
}
