package dev.skein.it.http.server;

/** Embedded Tomcat 10.1 (its jars from target/tomcat10, as in {@link Tomcat10DiscoveryIT}). */
class Tomcat10ServerPoliciesIT extends ServerPolicyContract {
  @Override
  Class<?> app() {
    return TomcatApp.class;
  }

  @Override
  String expectedLibraryVersion() {
    return "10.1.";
  }

  @Override
  String classPath() {
    return new Tomcat10DiscoveryIT().classPath();
  }
}
