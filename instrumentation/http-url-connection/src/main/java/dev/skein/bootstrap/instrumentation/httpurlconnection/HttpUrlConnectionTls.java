package dev.skein.bootstrap.instrumentation.httpurlconnection;

import dev.skein.bootstrap.Bridge;
import dev.skein.bootstrap.MeshSockets;
import java.io.IOException;
import java.net.Socket;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * Mesh mutual TLS for {@code HttpURLConnection}: the plain socket the JDK's HTTP client has just
 * connected to a mesh endpoint that takes the mesh's TLS is layered with a TLS 1.3 socket from the
 * mesh's client context (workload certificate, the server's SPIFFE ID checked against the
 * destination), handshaken before the request is written. Every other socket is left alone.
 */
public final class HttpUrlConnectionTls {
  private static final String PLAIN_CLIENT = "sun.net.www.http.HttpClient";

  private HttpUrlConnectionTls() {}

  /**
   * The socket to use instead of {@code socket}, or {@code socket} itself. A failed handshake is
   * thrown: the mesh's TLS fails closed.
   *
   * @param client the JDK's network client that opened the socket ({@code HttpsClient} and FTP are left alone)
   */
  public static Socket secure(Object client, Socket socket, String server, int port) throws IOException {
    if (socket == null || socket instanceof SSLSocket || client == null || !PLAIN_CLIENT.equals(client.getClass().getName())) {
      return socket;
    }
    SSLContext mesh = Bridge.outboundTls(server, port);
    if (mesh == null) {
      return socket;
    }
    return MeshSockets.clientHandshake(mesh, socket, server, port, "HttpURLConnection");
  }
}
