package dev.skein.bootstrap.instrumentation.apachehttpclient5;

import dev.skein.bootstrap.Bridge;
import dev.skein.bootstrap.MeshSockets;
import dev.skein.bootstrap.MeshSchemes;
import dev.skein.bootstrap.OutboundRoute;
import java.io.IOException;
import java.net.Socket;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * The mesh's mutual TLS for Apache HttpClient 5: a routed request to an endpoint that takes the
 * mesh's TLS goes out as {@code https} to that endpoint, and the connection's TLS comes from the
 * mesh's client context (workload certificate, the server's SPIFFE ID checked against the service
 * registered there; no host name check: the endpoint is an IP address), TLS 1.3 only. Bootstrap
 * side: {@code java.base} types only.
 */
public final class ApacheMeshTls {
  private ApacheMeshTls() {}

  /** {@code https} for an endpoint that takes the mesh's TLS, else {@code current}. */
  public static String scheme(String current, OutboundRoute endpoint) {
    return MeshSchemes.scheme(current, endpoint);
  }

  /** The scheme for a retry of a request first routed to {@code first} (see {@link MeshSchemes}). */
  public static String scheme(String current, OutboundRoute endpoint, OutboundRoute first) {
    return MeshSchemes.scheme(current, endpoint, first);
  }

  /** The mesh's context for a TLS connection to {@code host:port}, or {@code null} to leave it to the client. */
  public static SSLContext context(String host, int port) {
    return host == null ? null : Bridge.outboundTls(host, port);
  }

  /**
   * The classic client's TLS over a connected socket, with the mesh's context.
   *
   * @return the handshaken socket
   */
  public static SSLSocket upgrade(SSLContext mesh, Socket socket, String host, int port) throws IOException {
    return MeshSockets.clientHandshake(mesh, socket, host, port, "Apache HttpClient");
  }
}
