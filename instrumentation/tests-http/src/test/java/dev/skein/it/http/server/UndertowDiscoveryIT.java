package dev.skein.it.http.server;

/** Undertow 2.3. */
class UndertowDiscoveryIT extends ServerDiscoveryContract {
  @Override
  Class<?> app() {
    return UndertowApp.class;
  }

  @Override
  String expectedLibraryVersion() {
    return "2.3.";
  }
}
