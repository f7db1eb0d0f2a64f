package dev.skein.core.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

/** {@code url.path} and the default {@code server.port} of a client span, from the URL the application called. */
class ClientUrlAttributesTest {
  @Test
  void urlPathIsThePathWithoutQueryOrFragment() {
    assertEquals("/items", Telemetry.urlPath("http://orders/items?x=1"));
    assertEquals("/a/b", Telemetry.urlPath("https://orders:8443/a/b#top"));
    assertEquals("/", Telemetry.urlPath("http://orders"));
    assertEquals("/", Telemetry.urlPath("http://orders?x=/y"));
    assertEquals("/chain/0", Telemetry.urlPath("http://front/chain/0"));
    assertNull(Telemetry.urlPath("greeter"));
    assertNull(Telemetry.urlPath(null));
  }

  @Test
  void defaultPortFollowsTheScheme() {
    assertEquals(80, Telemetry.defaultPort("http://orders/items"));
    assertEquals(443, Telemetry.defaultPort("HTTPS://orders/items"));
    assertEquals(80, Telemetry.defaultPort(null));
  }
}
