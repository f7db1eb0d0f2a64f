package dev.skein.it.http.server;

/** Undertow 2.3: 429 around the root handler. */
class UndertowServerPoliciesIT extends ServerPolicyContract {
  @Override
  Class<?> app() {
    return UndertowApp.class;
  }

  @Override
  String expectedLibraryVersion() {
    return "2.3";
  }

  @Override
  String classPath() {
    return ServerDiscoveryContract.testClassPathWithout("tomcat-");
  }
}
