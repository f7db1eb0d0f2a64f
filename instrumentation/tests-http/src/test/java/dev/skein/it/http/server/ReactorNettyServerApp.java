package dev.skein.it.http.server;

import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/** A Reactor Netty {@code HttpServer} bound with {@code bindNow()} on 127.0.0.1 port 0, answering its version. */
public final class ReactorNettyServerApp {
  private ReactorNettyServerApp() {}

  public static void main(String[] args) throws Exception {
    String version = ServerApp.version();
    DisposableServer server =
        HttpServer.create()
            .host("127.0.0.1")
            .port(0)
            .handle((request, response) -> response.header("Content-Type", "text/plain").sendString(Mono.just(version)))
            .bindNow();
    ServerApp.serve(
        new ServerApp.Running() {
          @Override
          public int port() {
            return server.port();
          }

          @Override
          public void stop() {
            server.disposeNow();
          }
        },
        String.valueOf(HttpServer.class.getPackage().getImplementationVersion()));
  }
}
