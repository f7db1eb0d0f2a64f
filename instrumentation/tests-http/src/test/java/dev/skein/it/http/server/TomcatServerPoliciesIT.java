package dev.skein.it.http.server;

/** Embedded Tomcat 11: 429 from {@code CoyoteAdapter.service}, before the container. */
class TomcatServerPoliciesIT extends ServerPolicyContract {
  @Override
  Class<?> app() {
    return TomcatApp.class;
  }

  @Override
  String expectedLibraryVersion() {
    return "11.0.";
  }

  @Override
  String classPath() {
    return ServerDiscoveryContract.testClassPathWithout("jetty-");
  }
}
