package dev.skein.instrumentation.jetty12;

import dev.skein.bootstrap.Bridge;
import java.net.InetSocketAddress;
import net.bytebuddy.asm.Advice;
import org.eclipse.jetty.server.ServerConnector;

/**
 * After {@code ServerConnector.doStart} returns: the socket is bound and accepting, and
 * {@code getLocalPort()} is the real port (also for port 0). An SSL connection factory means https.
 */
final class ConnectorStartAdvice {
  private ConnectorStartAdvice() {}

  @Advice.OnMethodExit(suppress = Throwable.class)
  static void exit(@Advice.This ServerConnector connector) {
    int port = connector.getLocalPort();
    if (port > 0) {
      String host = connector.getHost();
      InetSocketAddress bound = host == null ? new InetSocketAddress(port) : new InetSocketAddress(host, port);
      Bridge.serverStarted(connector, connector.getConnectionFactory("ssl") != null ? "https" : "http", bound);
    }
  }
}
