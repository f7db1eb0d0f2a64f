package dev.skein.it.http.server;

/** Reactor Netty {@code HttpServer}: decided in the wrapped {@code handle} handler, before it runs. */
class ReactorNettyServerPoliciesIT extends ServerPolicyContract {
  @Override
  Class<?> app() {
    return ReactorNettyServerApp.class;
  }

  @Override
  String expectedLibraryVersion() {
    return "1.3.";
  }

  @Override
  String classPath() {
    return ServerDiscoveryContract.testClassPathWithout("tomcat-", "jetty-");
  }
}
