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

  /** Retries and timeouts for mesh channels to this host, or {@code null}. */
  public static java.util.Map<String, ?> grpcServiceConfig(String host) {
    try {
      return engine.grpcServiceConfig(host);
    } catch (Throwable t) {
      AgentFaults.record("grpcServiceConfig", t);
      return null;
    }
  }

  /** Whether the server's rate limit admits one more inbound request; {@code true} on any fault. */
  public static boolean admitInbound(String protocol) {
    try {
      return engine.admitInbound(protocol);
    } catch (Throwable t) {
      AgentFaults.record("admitInbound", t);
      return true;
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

  // === Telemetry (see MeshEngine): every method may be called with a null handle. ===

  public static Object clientStart(
      String system, OutboundRoute route, String method, String url, String host, int port, java.util.Map<String, String> inject) {
    try {
      return engine.clientStart(system, route, method, url, host, port, inject);
    } catch (Throwable t) {
      AgentFaults.record("clientStart", t);
      return null;
    }
  }

  public static void clientEnd(Object call, int status, Throwable error) {
    if (call == null) {
      return;
    }
    try {
      engine.clientEnd(call, status, error);
    } catch (Throwable t) {
      AgentFaults.record("clientEnd", t);
    }
  }

  public static void clientEndOnCompletion(Object call, java.util.concurrent.CompletionStage<?> response) {
    if (call == null) {
      return;
    }
    try {
      engine.clientEndOnCompletion(call, response);
    } catch (Throwable t) {
      AgentFaults.record("clientEndOnCompletion", t);
    }
  }

  public static Object serverStart(Object server, String system, String method, String target, HeaderLookup headers, String peer) {
    try {
      return engine.serverStart(server, system, method, target, headers, peer);
    } catch (Throwable t) {
      AgentFaults.record("serverStart", t);
      return null;
    }
  }

  public static Object attach(Object call) {
    if (call == null) {
      return null;
    }
    try {
      return engine.attach(call);
    } catch (Throwable t) {
      AgentFaults.record("attach", t);
      return null;
    }
  }

  public static void detach(Object token) {
    if (token == null) {
      return;
    }
    try {
      engine.detach(token);
    } catch (Throwable t) {
      AgentFaults.record("detach", t);
    }
  }

  public static void serverEnd(Object call, int status, Throwable error) {
    if (call == null) {
      return;
    }
    try {
      engine.serverEnd(call, status, error);
    } catch (Throwable t) {
      AgentFaults.record("serverEnd", t);
    }
  }

  // === Mutual TLS (see MeshEngine) ===

  public static boolean meshTlsCapable(Object server) {
    try {
      return engine.meshTlsCapable(server);
    } catch (Throwable t) {
      AgentFaults.record("meshTlsCapable", t);
      return false;
    }
  }

  public static javax.net.ssl.SSLContext inboundTls() {
    try {
      return engine.inboundTls();
    } catch (Throwable t) {
      AgentFaults.record("inboundTls", t);
      return null;
    }
  }

  /** Security fails closed: {@code false} when the engine cannot decide. */
  public static boolean inboundPlaintextAllowed() {
    try {
      return engine.inboundPlaintextAllowed();
    } catch (Throwable t) {
      AgentFaults.record("inboundPlaintextAllowed", t);
      return false;
    }
  }

  public static javax.net.ssl.SSLContext outboundTls(String address, int port) {
    try {
      return engine.outboundTls(address, port);
    } catch (Throwable t) {
      AgentFaults.record("outboundTls", t);
      return null;
    }
  }

  public static void tlsRefused(String side, String reason) {
    try {
      engine.tlsRefused(side, reason);
    } catch (Throwable t) {
      AgentFaults.record("tlsRefused", t);
    }
  }

  public static Object attemptStart(Object call, int attempt, OutboundRoute endpoint) {
    if (call == null) {
      return null;
    }
    try {
      return engine.attemptStart(call, attempt, endpoint);
    } catch (Throwable t) {
      AgentFaults.record("attemptStart", t);
      return null;
    }
  }

  public static void attemptEnd(Object attempt, int status, Throwable error, String decision) {
    if (attempt == null) {
      return;
    }
    try {
      engine.attemptEnd(attempt, status, error, decision);
    } catch (Throwable t) {
      AgentFaults.record("attemptEnd", t);
    }
  }

  public static void callFault(Object call, String fault, long delayMillis) {
    if (call == null) {
      return;
    }
    try {
      engine.callFault(call, fault, delayMillis);
    } catch (Throwable t) {
      AgentFaults.record("callFault", t);
    }
  }

  public static void grpcCallFault(HeaderLookup headers, String fault, long delayMillis) {
    try {
      engine.grpcCallFault(headers, fault, delayMillis);
    } catch (Throwable t) {
      AgentFaults.record("grpcCallFault", t);
    }
  }

  // === Inbound decision (see MeshEngine#inbound) ===

  // Whether an AuthorizationPolicy applies to this instance, set by the engine with every
  // snapshot: a faulting engine then refuses inbound requests rather than let them in unchecked.
  private static volatile boolean authorizationInForce;

  public static void authorizationInForce(boolean inForce) {
    authorizationInForce = inForce;
  }

  /**
   * Never {@code null}. On a fault the request proceeds unobserved, unless authorization is in
   * force for this instance: security fails closed, so it is then denied.
   */
  public static InboundDecision inbound(
      Object server, String system, String method, String target, HeaderLookup headers, String peer,
      java.security.cert.Certificate[] peerCertificates) {
    try {
      InboundDecision decision = engine.inbound(server, system, method, target, headers, peer, peerCertificates);
      return decision == null ? InboundDecision.PROCEED : decision;
    } catch (Throwable t) {
      AgentFaults.record("inbound", t);
      return authorizationInForce ? InboundDecision.DENIED : InboundDecision.PROCEED;
    }
  }
}
