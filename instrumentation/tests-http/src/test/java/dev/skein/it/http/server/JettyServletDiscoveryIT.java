package dev.skein.it.http.server;

/** Jetty 12 with an ee10 servlet. */
class JettyServletDiscoveryIT extends ServerDiscoveryContract {
  @Override
  Class<?> app() {
    return JettyServletApp.class;
  }

  @Override
  String expectedLibraryVersion() {
    return "12.";
  }

  @Override
  String classPath() {
    // tomcat-embed-core carries its own jakarta.servlet classes.
    return testClassPathWithout("tomcat-");
  }
}
