package dev.skein.it.http.server;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Jetty;

/** Jetty 12 with a core {@code Handler}, on 127.0.0.1 port 0, answering its version. */
public final class JettyCoreApp {
  private JettyCoreApp() {}

  public static void main(String[] args) throws Exception {
    String version = ServerApp.version();
    Server server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    server.addConnector(connector);
    server.setHandler(
        new Handler.Abstract() {
          @Override
          public boolean handle(Request request, Response response, Callback callback) {
            response.setStatus(200);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain");
            Content.Sink.write(response, true, version, callback);
            return true;
          }
        });
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
}
