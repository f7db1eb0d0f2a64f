package dev.skein.it.http.server;

/** Reactor Netty {@code HttpServer}: a first-byte detector first in each connection's pipeline. */
class ReactorNettyServerMtlsIT extends ServerMtlsContract {
  @Override
  Class<?> app() {
    return ReactorNettyServerApp.class;
  }

  @Override
  String classPath() {
    return ServerDiscoveryContract.testClassPathWithout("tomcat-", "jetty-");
  }
}
