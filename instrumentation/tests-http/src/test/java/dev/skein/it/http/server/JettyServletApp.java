package dev.skein.it.http.server;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Jetty;

/** Jetty 12 with an ee10 servlet, on 127.0.0.1 port 0, answering its version. */
public final class JettyServletApp {
  private JettyServletApp() {}

  public static void main(String[] args) throws Exception {
    Server server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    server.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler();
    context.addServlet(new ServletHolder(new VersionServlet()), "/*");
    server.setHandler(context);
    server.start();
    ServerApp.serve(
        new ServerApp.Running() {
          @Override
          public int port() {
            return connector.getLocalPort();
          }

          @Override
          public void stop() throws Exception {
            server.stop();
          }
        },
        Jetty.VERSION);
  }

  /** Answers every GET with the version label; shared with {@link TomcatApp}. */
  static final class VersionServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
      response.setContentType("text/plain");
      response.getWriter().write(ServerApp.version());
    }
  }
}
