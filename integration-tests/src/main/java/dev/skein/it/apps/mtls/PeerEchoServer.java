package dev.skein.it.apps.mtls;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.Executors;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * A plain JDK HTTP server (no mesh code, no TLS of its own) that answers who called it, as the
 * standard API shows it: the SPIFFE ID of the peer certificate of {@code HttpsExchange.getSSLSession()},
 * or {@code plaintext}. Prints {@code listening <port>}.
 */
public final class PeerEchoServer {
  private PeerEchoServer() {}

  public static void main(String[] args) throws IOException {
    System.setProperty("sun.net.httpserver.nodelay", "true");
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
    server.setExecutor(Executors.newFixedThreadPool(8));
    server.createContext(
        "/",
        exchange -> {
          exchange.getRequestBody().readAllBytes();
          byte[] body = peer(exchange).getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    server.start();
    System.out.println("listening " + server.getAddress().getPort());
    System.out.flush();
  }

  static String peer(HttpExchange exchange) {
    SSLSession session = exchange instanceof HttpsExchange https ? https.getSSLSession() : null;
    if (session == null) {
      return "plaintext";
    }
    try {
      Certificate[] chain = session.getPeerCertificates();
      X509Certificate leaf = (X509Certificate) chain[0];
      for (List<?> san : leaf.getSubjectAlternativeNames()) {
        if (Integer.valueOf(6).equals(san.get(0))) {
          return session.getProtocol() + " " + san.get(1);
        }
      }
      return session.getProtocol() + " no-spiffe-id";
    } catch (SSLPeerUnverifiedException | java.security.cert.CertificateParsingException e) {
      return "tls-without-peer";
    }
  }
}
