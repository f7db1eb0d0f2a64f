package dev.skein.it.http.server;

/** Embedded Tomcat 11, a plain-text NIO connector: mesh TLS decided per connection in {@code NioEndpoint.SocketProcessor}. */
class TomcatServerMtlsIT extends ServerMtlsContract {
  @Override
  Class<?> app() {
    return TomcatApp.class;
  }

  @Override
  String classPath() {
    return ServerDiscoveryContract.testClassPathWithout("jetty-");
  }
}
