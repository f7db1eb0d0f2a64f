package dev.skein.it.http.server;

/** The JDK's {@code HttpServer}: decided in {@code AuthFilter.doFilter}, before the context's handler. */
class JdkServerPoliciesIT extends ServerPolicyContract {
  @Override
  Class<?> app() {
    return JdkServerApp.class;
  }

  @Override
  String expectedLibraryVersion() {
    return "";
  }

  @Override
  String classPath() {
    return ServerDiscoveryContract.testClassPathWithout("tomcat-", "jetty-");
  }
}
