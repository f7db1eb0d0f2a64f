package dev.skein.it.http.server;

/** Embedded Tomcat 11. */
class Tomcat11DiscoveryIT extends ServerDiscoveryContract {
  @Override
  Class<?> app() {
    return TomcatApp.class;
  }

  @Override
  String expectedLibraryVersion() {
    return "11.0.";
  }

  @Override
  boolean waitsForLeaseExpiry() {
    return true;
  }

  @Override
  String classPath() {
    return testClassPathWithout("jetty-");
  }
}
