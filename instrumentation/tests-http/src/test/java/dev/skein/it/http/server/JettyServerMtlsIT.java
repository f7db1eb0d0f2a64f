package dev.skein.it.http.server;

/** Jetty 12 with a core handler: Jetty's own TLS-or-plain detector in front of the connector's HTTP/1.1. */
class JettyServerMtlsIT extends ServerMtlsContract {
  @Override
  Class<?> app() {
    return JettyCoreApp.class;
  }

  @Override
  String classPath() {
    return ServerDiscoveryContract.testClassPathWithout("tomcat-");
  }
}
