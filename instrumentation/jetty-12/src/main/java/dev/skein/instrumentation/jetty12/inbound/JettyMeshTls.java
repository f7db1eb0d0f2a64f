package dev.skein.instrumentation.jetty12.inbound;

import dev.skein.bootstrap.AgentFaults;
import dev.skein.bootstrap.Bridge;
import dev.skein.bootstrap.MeshServerSslContext;
import dev.skein.bootstrap.MeshServerTls;
import javax.net.ssl.SSLContext;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * Mesh mutual TLS on a plain-text Jetty 12 connector's own port: before the server starts it, a
 * {@link MeshDetectorConnectionFactory} goes first in its factories, with an
 * {@link SslConnectionFactory} whose context is the mesh's ({@link MeshServerSslContext}: each
 * engine from the identity in force), client certificate required, TLS 1.3, and the connector's
 * own protocol next. Requests keep looking like plain HTTP to the application (no
 * {@code SecureRequestCustomizer} is added); the peer's certificates reach the inbound decision
 * through the endpoint's {@code SslSessionData}.
 */
public final class JettyMeshTls {
  private JettyMeshTls() {}

  /** At {@code Server.doStart}, before its connectors start (a started connector takes no new factory). */
  public static void starting(Server server) {
    for (Connector connector : server.getConnectors()) {
      if (connector instanceof ServerConnector plain && !plain.isStarted()) {
        starting(plain);
      }
    }
  }

  private static void starting(ServerConnector connector) {
    MeshDetectorConnectionFactory detector = null;
    try {
      if (connector.getConnectionFactory("ssl") != null
          || connector.getConnectionFactory(MeshDetectorConnectionFactory.class) != null
          || connector.getDefaultConnectionFactory() == null) {
        return;
      }
      SSLContext context = MeshServerSslContext.create();
      if (context == null) {
        return;
      }
      SslContextFactory.Server factory = new SslContextFactory.Server();
      factory.setSslContext(context);
      factory.setNeedClientAuth(true);
      factory.setIncludeProtocols(MeshServerTls.PROTOCOL);
      factory.setEndpointIdentificationAlgorithm(null);
      SslConnectionFactory tls = new SslConnectionFactory(factory, connector.getDefaultProtocol());
      tls.setEnsureSecureRequestCustomizer(false);
      detector = new MeshDetectorConnectionFactory(tls);
      connector.addFirstConnectionFactory(detector);
      if (!Bridge.meshTlsCapable(connector)) {
        remove(connector, detector);
      }
    } catch (Throwable t) {
      AgentFaults.record("jetty-tls", t);
      remove(connector, detector);
    }
  }

  /** Back to the connector's own factories: it registers without {@code tls}. */
  private static void remove(ServerConnector connector, MeshDetectorConnectionFactory detector) {
    if (detector != null && connector.getConnectionFactory(MeshDetectorConnectionFactory.class) == detector) {
      connector.removeConnectionFactory(detector.getProtocol());
    }
  }
}
