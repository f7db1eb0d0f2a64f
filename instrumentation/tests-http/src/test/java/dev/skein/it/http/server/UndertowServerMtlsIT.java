package dev.skein.it.http.server;

/** Undertow 2.3, a plain-text HTTP listener: the first byte decides before {@code HttpOpenListener} reads the connection. */
class UndertowServerMtlsIT extends ServerMtlsContract {
  @Override
  Class<?> app() {
    return UndertowApp.class;
  }

  @Override
  String classPath() {
    return ServerDiscoveryContract.testClassPathWithout("tomcat-");
  }
}
