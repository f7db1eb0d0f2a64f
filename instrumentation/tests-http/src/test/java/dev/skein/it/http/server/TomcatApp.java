package dev.skein.it.http.server;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.file.Files;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.List;
import org.apache.catalina.Context;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.apache.catalina.util.ServerInfo;

/**
 * Embedded Tomcat (10.1 or 11, whichever is on the class path), on 127.0.0.1 port 0, answering its
 * version; {@code /peer} answers the SPIFFE ID of the client's certificate as the servlet API shows
 * it, or {@code plaintext}. The connector's protocol is Tomcat's default (NIO) unless
 * {@code TOMCAT_PROTOCOL} names another (such as {@code org.apache.coyote.http11.Http11Nio2Protocol}).
 */
public final class TomcatApp {
  private TomcatApp() {}

  public static void main(String[] args) throws Exception {
    Tomcat tomcat = new Tomcat();
    tomcat.setBaseDir(Files.createTempDirectory("tomcat").toString());
    Connector connector = new Connector(System.getenv().getOrDefault("TOMCAT_PROTOCOL", "HTTP/1.1"));
    connector.setPort(0);
    connector.setProperty("address", "127.0.0.1");
    tomcat.setConnector(connector);
    Context context = tomcat.addContext("", null);
    Tomcat.addServlet(context, "version", new JettyServletApp.VersionServlet());
    context.addServletMappingDecoded("/*", "version");
    Tomcat.addServlet(context, "peer", new PeerServlet());
    context.addServletMappingDecoded("/peer", "peer");
    tomcat.start();
    ServerApp.serve(
        new ServerApp.Running() {
          @Override
          public int port() {
            return connector.getLocalPort();
          }

          @Override
          public void stop() throws Exception {
            tomcat.stop();
          }
        },
        ServerInfo.getServerNumber());
  }

  /** The client certificate's SPIFFE ID (its URI SAN), or {@code plaintext}. */
  static final class PeerServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
      X509Certificate[] chain = (X509Certificate[]) request.getAttribute("jakarta.servlet.request.X509Certificate");
      String peer = "plaintext";
      if (chain != null && chain.length > 0) {
        peer = "no-spiffe-id";
        try {
          for (List<?> san : chain[0].getSubjectAlternativeNames()) {
            if (Integer.valueOf(6).equals(san.get(0))) {
              peer = String.valueOf(san.get(1));
            }
          }
        } catch (CertificateParsingException e) {
          peer = "bad-certificate";
        }
      }
      response.setContentType("text/plain");
      response.getWriter().write(peer);
    }
  }
}
