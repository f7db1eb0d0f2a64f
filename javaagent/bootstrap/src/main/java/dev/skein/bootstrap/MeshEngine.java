package dev.skein.bootstrap;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.function.Consumer;

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

  /**
   * Whether a gRPC target's host names a mesh service. Like {@link #routeHttp}, a host that may
   * be a mesh host waits for the first policy snapshot.
   */
  boolean isGrpcService(String host);

  /**
   * Decides where one gRPC call goes.
   *
   * @param path {@code /package.Service/Method}; route rules see it with method {@code POST}
   * @return the chosen endpoint, or {@code null} when the host is not a mesh service
   */
  OutboundRoute routeGrpc(String host, String path, HeaderLookup headers);

  /**
   * Follows the gRPC endpoints of a mesh service: the listener gets the current list at once (if
   * a snapshot is in force) and every changed list after that, on an engine thread.
   *
   * @return closing it ends the subscription
   */
  AutoCloseable watchGrpcEndpoints(String host, Consumer<List<InetSocketAddress>> listener);

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

        @Override
        public boolean isGrpcService(String host) {
          return false;
        }

        @Override
        public OutboundRoute routeGrpc(String host, String path, HeaderLookup headers) {
          return null;
        }

        @Override
        public AutoCloseable watchGrpcEndpoints(String host, Consumer<List<InetSocketAddress>> listener) {
          return () -> {};
        }
      };
}
