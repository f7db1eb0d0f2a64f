package dev.skein.it.http.server;

import io.undertow.Undertow;
import io.undertow.Version;
import io.undertow.util.Headers;
import java.net.InetSocketAddress;

/** Undertow 2.3 with one HTTP listener on 127.0.0.1 port 0, answering its version. */
public final class UndertowApp {
  private UndertowApp() {}

  public static void main(String[] args) throws Exception {
    String version = ServerApp.version();
    Undertow server =
        Undertow.builder()
            .addHttpListener(0, "127.0.0.1")
            .setHandler(
                exchange -> {
                  exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/plain");
                  exchange.getResponseSender().send(version);
                })
            .build();
    server.start();
    int port = ((InetSocketAddress) server.getListenerInfo().get(0).getAddress()).getPort();
    ServerApp.serve(
        new ServerApp.Running() {
          @Override
          public int port() {
            return port;
          }

          @Override
          public void stop() {
            server.stop();
          }
        },
        Version.getVersionString());
  }
}
