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

  // === Telemetry: a span and metrics around each call. Default methods, so that an engine
  // without telemetry (and NOOP) needs nothing; a null call handle means "not observed". ===

  /**
   * A client call begins (before it is sent).
   *
   * @param system {@code http} or {@code grpc}
   * @param route the mesh's choice, or {@code null} for a host outside the mesh
   * @param method the HTTP method, or the gRPC full method name {@code pkg.Service/Method}
   * @param url the URL the application asked for (HTTP), or the channel's authority (gRPC)
   * @param host the host the application named; {@code port} is -1 when absent
   * @param inject receives the headers to add to the request (trace context, baggage)
   * @return a handle for {@link #clientEnd}, or {@code null}
   */
  default Object clientStart(
      String system, OutboundRoute route, String method, String url, String host, int port, java.util.Map<String, String> inject) {
    return null;
  }

  /**
   * The client call ended.
   *
   * @param status the HTTP status or the gRPC status code; -1 when there is no response
   */
  default void clientEnd(Object call, int status, Throwable error) {}

  /** Ends the call when {@code response} (a {@code java.net.http.HttpResponse} stage) completes. */
  default void clientEndOnCompletion(Object call, java.util.concurrent.CompletionStage<?> response) {}

  /**
   * A server call begins: the parent context is read from {@code headers}.
   *
   * @param server the server object, or {@code null} (the agent's own admin server is not observed)
   *
   * @param method the HTTP method, or the gRPC full method name
   * @param target the request path (with query) or the gRPC full method name
   * @param peer the client's address, or {@code null}
   * @return a handle for {@link #serverEnd}, or {@code null}
   */
  default Object serverStart(Object server, String system, String method, String target, HeaderLookup headers, String peer) {
    return null;
  }

  /** Makes the call's span current on this thread; returns a token for {@link #detach}. */
  default Object attach(Object call) {
    return null;
  }

  default void detach(Object token) {}

  /** The server call ended; {@code status} as in {@link #clientEnd}. */
  default void serverEnd(Object call, int status, Throwable error) {}

  /**
   * The gRPC service config (JSON shape, as maps, lists, strings and doubles) that mesh channels
   * to this host use for retries and timeouts, or {@code null} for none.
   */
  default java.util.Map<String, ?> grpcServiceConfig(String host) {
    return null;
  }

  /**
   * Whether this instance's RateLimitPolicy lets one more inbound request in; servers answer 429
   * (HTTP) or RESOURCE_EXHAUSTED (gRPC) when it does not.
   *
   * @param protocol {@code http} or {@code grpc}
   */
  default boolean admitInbound(String protocol) {
    return true;
  }

  // === Mutual TLS between mesh workloads (java.base types only; see dev.skein.core.tls) ===

  /**
   * A server whose library can speak the mesh's TLS on its own port started (or is starting).
   *
   * @return whether mesh TLS may apply to it (etcd mode with a service name): the library then
   *     routes every new connection through {@link #inboundTls} and {@link #inboundPlaintextAllowed}
   */
  default boolean meshTlsCapable(Object server) {
    return false;
  }

  /**
   * Server side: the context for a connection whose first byte is a TLS handshake record, or
   * {@code null} when this workload takes plain text only (no certificate yet, or PeerAuthentication
   * DISABLE). The context's trust manager accepts only certificates of the mesh CA; callers require
   * a client certificate and TLS 1.3.
   */
  default javax.net.ssl.SSLContext inboundTls() {
    return null;
  }

  /** Server side: whether a plain-text connection is accepted (false under PeerAuthentication STRICT). */
  default boolean inboundPlaintextAllowed() {
    return true;
  }

  /**
   * Client side: the context for a connection to a mesh endpoint that takes the mesh's TLS, or
   * {@code null} for plain text (not a mesh endpoint, DestinationPolicy {@code tls.mode: DISABLE},
   * or no certificate here). Its trust manager checks that the server's SPIFFE ID is that of the
   * service registered at {@code address:port}.
   */
  default javax.net.ssl.SSLContext outboundTls(String address, int port) {
    return null;
  }

  /** A mesh TLS connection was refused or failed its handshake ({@code side}: {@code server} or {@code client}). */
  default void tlsRefused(String side, String reason) {}

  /**
   * One try of a client call begins (a child of the call's span): its number, from 1, and the
   * endpoint it goes to.
   *
   * @param call the handle from {@link #clientStart}
   * @return a handle for {@link #attemptEnd}, or {@code null}
   */
  default Object attemptStart(Object call, int attempt, OutboundRoute endpoint) {
    return null;
  }

  /**
   * The try ended.
   *
   * @param status the HTTP status, -1 when there is no response
   * @param decision what the mesh decided after it ({@code retry:5xx}, {@code refused:circuit-open},
   *     {@code not-retried:body-over-64KiB}...), or {@code null}
   */
  default void attemptEnd(Object attempt, int status, Throwable error, String decision) {}

  /**
   * The mesh injected a route's fault into a client call: {@code delay} (it leaves
   * {@code delayMillis} late) or {@code abort} (it never leaves; its status is the injected one).
   *
   * @param call the handle from {@link #clientStart}
   */
  default void callFault(Object call, String fault, long delayMillis) {}

  /**
   * {@link #callFault} for a gRPC call, which the picker knows only by its metadata (the
   * propagation headers the call's start wrote name its span).
   */
  default void grpcCallFault(HeaderLookup headers, String fault, long delayMillis) {}

  /**
   * The one question a server asks about an inbound request, before its handler runs: the
   * RateLimitPolicy, the AuthorizationPolicy and the start of the server span and metrics. The
   * default (an engine without authorization) composes {@link #serverStart} and
   * {@link #admitInbound}.
   *
   * @param server the server object, or {@code null}
   * @param system {@code http} or {@code grpc}
   * @param method the HTTP method, or the gRPC full method name {@code pkg.Service/Method}
   * @param target the request path with query, or the gRPC full method name
   * @param peer the client's address, or {@code null}
   * @param peerCertificates the client's certificate chain (its own first), or {@code null} for
   *     plaintext and TLS without a client certificate
   */
  default InboundDecision inbound(
      Object server, String system, String method, String target, HeaderLookup headers, String peer,
      java.security.cert.Certificate[] peerCertificates) {
    if (!admitInbound(system)) {
      return InboundDecision.RATE_LIMITED;
    }
    return InboundDecision.proceed(serverStart(server, system, method, target, headers, peer));
  }

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
