package dev.skein.it.http.server;

/** Reactor Netty {@code HttpServer}. */
class ReactorNettyServerDiscoveryIT extends ServerDiscoveryContract {
  @Override
  Class<?> app() {
    return ReactorNettyServerApp.class;
  }

  @Override
  String expectedLibraryVersion() {
    return "1.3.";
  }
}
