package dev.skein.it.http.server;

/** Jetty 12 with a core handler. */
class JettyCoreDiscoveryIT extends ServerDiscoveryContract {
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
    return testClassPathWithout("tomcat-");
  }
}
