package dev.skein.core.etcd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skein.core.state.ConfigChange;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the first snapshot through etcd's JSON gateway ({@code POST /v3/kv/range}) with the
 * JDK's HTTP client, before jetcd is up.
 *
 * <p>Why: jetcd's first call loads gRPC, Netty and Vert.x, about a second of class loading on a
 * cold JVM, and the application's first mesh request waits for the first snapshot. The JDK
 * client starts in a fraction of that. jetcd then watches from the revision read here, so no
 * change is missed; if this read fails for any reason, jetcd does the first read as usual.
 */
public final class EtcdGatewayReader {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Base64.Encoder B64 = Base64.getEncoder();

  private final List<String> endpoints;
  private final String user;
  private final String password;
  private final Duration timeout;

  public EtcdGatewayReader(List<String> endpoints, String user, String password, Duration timeout) {
    this.endpoints = endpoints;
    this.user = user;
    this.password = password;
    this.timeout = timeout;
  }

  /** All keys under the prefixes, read at one revision. */
  public ConfigChange.Resync read(String... prefixes) throws Exception {
    Exception last = null;
    for (String endpoint : endpoints) {
      try {
        return readFrom(endpoint, prefixes);
      } catch (Exception e) {
        last = e;
      }
    }
    throw last == null ? new IllegalStateException("no etcd endpoint") : last;
  }

  private ConfigChange.Resync readFrom(String endpoint, String[] prefixes) throws Exception {
    HttpClient client = HttpClient.newBuilder().connectTimeout(timeout).version(HttpClient.Version.HTTP_1_1).build();
    String token = user == null ? null : authenticate(client, endpoint);
    Map<String, byte[]> values = new HashMap<>();
    long revision = 0;
    for (String prefix : prefixes) {
      byte[] key = prefix.getBytes(StandardCharsets.UTF_8);
      Map<String, Object> body = new HashMap<>();
      body.put("key", B64.encodeToString(key));
      body.put("range_end", B64.encodeToString(prefixEnd(key)));
      if (revision > 0) {
        body.put("revision", revision);
      }
      JsonNode response = post(client, endpoint + "/v3/kv/range", body, token);
      if (revision == 0) {
        revision = response.path("header").path("revision").asLong();
      }
      for (JsonNode kv : response.path("kvs")) {
        values.put(
            new String(Base64.getDecoder().decode(kv.path("key").asText()), StandardCharsets.UTF_8),
            Base64.getDecoder().decode(kv.path("value").asText("")));
      }
    }
    if (revision <= 0) {
      throw new IllegalStateException("etcd gateway answered without a revision");
    }
    return new ConfigChange.Resync(values, revision, ConfigChange.Origin.ETCD);
  }

  private String authenticate(HttpClient client, String endpoint) throws Exception {
    JsonNode response = post(client, endpoint + "/v3/auth/authenticate", Map.of("name", user, "password", password == null ? "" : password), null);
    return response.path("token").asText();
  }

  private JsonNode post(HttpClient client, String url, Object body, String token) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(url))
            .timeout(timeout)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
    if (token != null) {
      request.header("Authorization", token);
    }
    HttpResponse<byte[]> response = client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    if (response.statusCode() != 200) {
      throw new IllegalStateException(url + " answered " + response.statusCode());
    }
    return JSON.readTree(response.body());
  }

  /** The smallest key greater than every key with this prefix: etcd's range_end for a prefix. */
  static byte[] prefixEnd(byte[] prefix) {
    byte[] end = Arrays.copyOf(prefix, prefix.length);
    for (int i = end.length - 1; i >= 0; i--) {
      if (end[i] != (byte) 0xff) {
        end[i]++;
        return Arrays.copyOf(end, i + 1);
      }
    }
    return new byte[] {0};
  }
}
