package dev.skein.it.http.server;

/** Jetty 12 with a core handler: 429 from {@code Server.handle}. */
class JettyServerPoliciesIT extends ServerPolicyContract {
  @Override
  Class<?> app() {
    return JettyCoreApp.class;
  }

  @Override
  String expectedLibraryVersion() {
    return "12.";
  }

  @Override
  String classPath() {
    return ServerDiscoveryContract.testClassPathWithout("tomcat-");
  }
}
