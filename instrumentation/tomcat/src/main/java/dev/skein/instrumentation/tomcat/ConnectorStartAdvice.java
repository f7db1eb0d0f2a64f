package dev.skein.instrumentation.tomcat;

import dev.skein.bootstrap.Bridge;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import net.bytebuddy.asm.Advice;
import org.apache.catalina.connector.Connector;

/**
 * After {@code Connector.startInternal} (or {@code resume}) returns: the endpoint is bound
 * ({@code bindOnInit}) and accepting, and {@code getLocalPort()} is the real port, also for port 0.
 * A connector that is not bound (port -1, or a failed start) reports no port and is skipped. A
 * plain-text NIO connector takes the mesh's mutual TLS on its port first (see {@code TomcatMeshTls}),
 * so that it registers with {@code "tls":true}.
 */
final class ConnectorStartAdvice {
  private ConnectorStartAdvice() {}

  @Advice.OnMethodExit(suppress = Throwable.class)
  static void exit(@Advice.This Connector connector) {
    int port = connector.getLocalPort();
    if (port > 0 && connector.getState().isAvailable()) {
      dev.skein.instrumentation.tomcat.inbound.TomcatMeshTls.connectorStarted(connector);
      Object address = connector.getProperty("address");
      InetSocketAddress bound =
          address instanceof InetAddress ? new InetSocketAddress((InetAddress) address, port) : new InetSocketAddress(port);
      Bridge.serverStarted(connector, connector.getSecure() ? "https" : "http", bound);
    }
  }
}
