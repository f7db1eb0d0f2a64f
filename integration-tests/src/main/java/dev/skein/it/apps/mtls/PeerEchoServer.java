package dev.skein.it.apps.mtls;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * A plain JDK HTTP server (no mesh code, no TLS of its own) that answers who called it, as the
 * standard API shows it: the SPIFFE ID of the peer certificate of {@code HttpsExchange.getSSLSession()},
 * or {@code plaintext}. Prints {@code listening <port>}.
 *
 * <p>For benchmarks without the agent: with {@code -Dskein.it.tls.keystore=...} (see {@link AppTls})
 * it also serves the same handler on an {@link HttpsServer} of its own (mutual TLS 1.3, client
 * certificate required) and prints {@code listening-https <port>}. On stdin, {@code stats} prints
 * {@code stats requests=N connections=N sessions=N suites={...}} for the requests since the last
 * {@code stats}: distinct client connections and TLS sessions (one per handshake) show whether a
 * client reused its connections.
 */
public final class PeerEchoServer {
  private static final AtomicInteger REQUESTS = new AtomicInteger();
  private static final Set<String> CONNECTIONS = ConcurrentHashMap.newKeySet();
  private static final Set<SSLSession> SESSIONS = ConcurrentHashMap.newKeySet();
  private static final Map<String, AtomicInteger> SUITES = new ConcurrentHashMap<>();

  private PeerEchoServer() {}

  public static void main(String[] args) throws Exception {
    System.setProperty("sun.net.httpserver.nodelay", "true");
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
    server.setExecutor(Executors.newFixedThreadPool(8));
    server.createContext("/", PeerEchoServer::answer);
    server.start();
    System.out.println("listening " + server.getAddress().getPort());
    SSLContext own = AppTls.context();
    if (own != null) {
      HttpsServer https = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
      https.setHttpsConfigurator(
          new HttpsConfigurator(own) {
            @Override
            public void configure(HttpsParameters params) {
              SSLParameters p = own.getDefaultSSLParameters();
              p.setNeedClientAuth(true);
              p.setProtocols(new String[] {"TLSv1.3"});
              params.setSSLParameters(p);
            }
          });
      https.setExecutor(Executors.newFixedThreadPool(8));
      https.createContext("/", PeerEchoServer::answer);
      https.start();
      System.out.println("listening-https " + https.getAddress().getPort());
    }
    System.out.flush();
    Thread stats = new Thread(PeerEchoServer::stats, "stats");
    stats.setDaemon(true);
    stats.start();
  }

  private static void answer(HttpExchange exchange) throws IOException {
    exchange.getRequestBody().readAllBytes();
    count(exchange);
    byte[] body = peer(exchange).getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(200, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  private static void count(HttpExchange exchange) {
    REQUESTS.incrementAndGet();
    InetSocketAddress remote = exchange.getRemoteAddress();
    if (remote != null) {
      CONNECTIONS.add(remote.toString());
    }
    SSLSession session = exchange instanceof HttpsExchange https ? https.getSSLSession() : null;
    if (session != null && SESSIONS.add(session)) {
      SUITES.computeIfAbsent(session.getCipherSuite(), k -> new AtomicInteger()).incrementAndGet();
    }
  }

  private static void stats() {
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    try {
      for (String line; (line = in.readLine()) != null; ) {
        if (line.trim().equals("stats")) {
          TreeMap<String, Integer> suites = new TreeMap<>();
          SUITES.forEach((k, v) -> suites.put(k, v.get()));
          System.out.println("stats requests=" + REQUESTS.getAndSet(0) + " connections=" + CONNECTIONS.size() + " sessions="
              + SESSIONS.size() + " suites=" + suites.toString().replace(" ", ""));
          System.out.flush();
          CONNECTIONS.clear();
          SESSIONS.clear();
          SUITES.clear();
        }
      }
    } catch (IOException e) {
      // stdin closed
    }
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
