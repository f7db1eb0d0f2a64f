package dev.skein.it.http.server;

import java.nio.file.Files;
import org.apache.catalina.Context;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.apache.catalina.util.ServerInfo;

/** Embedded Tomcat (10.1 or 11, whichever is on the class path), on 127.0.0.1 port 0, answering its version. */
public final class TomcatApp {
  private TomcatApp() {}

  public static void main(String[] args) throws Exception {
    Tomcat tomcat = new Tomcat();
    tomcat.setBaseDir(Files.createTempDirectory("tomcat").toString());
    Connector connector = new Connector();
    connector.setPort(0);
    connector.setProperty("address", "127.0.0.1");
    tomcat.setConnector(connector);
    Context context = tomcat.addContext("", null);
    Tomcat.addServlet(context, "version", new JettyServletApp.VersionServlet());
    context.addServletMappingDecoded("/*", "version");
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
}
