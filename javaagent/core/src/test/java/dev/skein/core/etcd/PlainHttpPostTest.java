package dev.skein.core.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The response framings etcd's gateway (Go's net/http) may answer with. */
class PlainHttpPostTest {
  private static InputStream of(String response) {
    return new ByteArrayInputStream(response.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void readsABodyOfContentLength() throws IOException {
    String body = PlainHttpPost.readResponse(of("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 7\r\n\r\n{\"a\":1}trailing"), "u");
    assertThat(body).isEqualTo("{\"a\":1}");
  }

  @Test
  void readsAChunkedBody() throws IOException {
    String body = PlainHttpPost.readResponse(of("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;x=y\r\n{\"a\"\r\n3\r\n:1}\r\n0\r\n\r\n"), "u");
    assertThat(body).isEqualTo("{\"a\":1}");
  }

  @Test
  void readsToTheEndWithoutFraming() throws IOException {
    assertThat(PlainHttpPost.readResponse(of("HTTP/1.1 200 OK\r\n\r\n{}"), "u")).isEqualTo("{}");
  }

  @Test
  void refusesOtherStatusesAndCutResponses() {
    assertThatThrownBy(() -> PlainHttpPost.readResponse(of("HTTP/1.1 401 Unauthorized\r\nContent-Length: 2\r\n\r\n{}"), "http://etcd/v3/kv/range"))
        .hasMessage("http://etcd/v3/kv/range answered 401: {}"); // the body says why (etcd: "permission denied")
    assertThatThrownBy(() -> PlainHttpPost.readResponse(of("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n{}"), "u"))
        .hasMessageContaining("2 of 9 bytes");
    assertThatThrownBy(() -> PlainHttpPost.readResponse(of("garbage\r\n\r\n"), "u")).hasMessageContaining("malformed status line");
  }
}
