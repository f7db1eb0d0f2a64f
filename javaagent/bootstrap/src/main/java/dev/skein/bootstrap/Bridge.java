package dev.skein.bootstrap;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.function.Consumer;

/**
 * The one class that advice calls. It holds the installed engine and guarantees that nothing the
 * engine throws reaches the application: every fault is counted and logged once, and the call
 * proceeds as if the agent were absent.
 */
public final class Bridge {
  private static volatile MeshEngine engine = MeshEngine.NOOP;

  private Bridge() {}

  public static void install(MeshEngine installed) {
    engine = installed;
  }

  public static MeshEngine engine() {
    return engine;
  }

  public static OutboundRoute routeHttp(String host, int port, String method, String path, HeaderLookup headers) {
    try {
      return engine.routeHttp(host, port, method, path, headers);
    } catch (Throwable t) {
      AgentFaults.record("routeHttp", t);
      return null;
    }
  }

  public static void serverStarted(Object server, String protocol, InetSocketAddress address) {
    try {
      engine.serverStarted(server, protocol, address);
    } catch (Throwable t) {
      AgentFaults.record("serverStarted", t);
    }
  }

  public static void serverStopping(Object server) {
    try {
      engine.serverStopping(server);
    } catch (Throwable t) {
      AgentFaults.record("serverStopping", t);
    }
  }

  public static boolean isGrpcService(String host) {
    try {
      return engine.isGrpcService(host);
    } catch (Throwable t) {
      AgentFaults.record("isGrpcService", t);
      return false;
    }
  }

  public static OutboundRoute routeGrpc(String host, String path, HeaderLookup headers) {
    try {
      return engine.routeGrpc(host, path, headers);
    } catch (Throwable t) {
      AgentFaults.record("routeGrpc", t);
      return null;
    }
  }

  /** Never {@code null}: a failed subscription is a no-op handle. */
  public static AutoCloseable watchGrpcEndpoints(String host, Consumer<List<InetSocketAddress>> listener) {
    try {
      return engine.watchGrpcEndpoints(host, listener);
    } catch (Throwable t) {
      AgentFaults.record("watchGrpcEndpoints", t);
      return () -> {};
    }
  }
}
