package dev.skein.core.etcd;

import dev.skein.core.state.ConfigChange;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * Reads the first snapshot through etcd's JSON gateway ({@code POST /v3/kv/range}) over a plain
 * socket ({@link PlainHttpPost}), before jetcd is up.
 *
 * <p>Why: jetcd's first call loads gRPC, Netty and Vert.x, about a second of class loading on a
 * cold JVM, and the application's first mesh request waits for the first snapshot. A socket
 * is ready in a fraction of that. jetcd then watches from the revision read here, so no
 * change is missed; if this read fails for any reason, jetcd does the first read as usual. Not the
 * JDK's HTTP client: the agent instruments it, so it would wait for Byte Buddy.
 *
 * <p>The answers are parsed with SnakeYAML (JSON is YAML, and the policy parser has loaded it
 * already) rather than Jackson's ObjectMapper, whose few hundred classes would load on the
 * application's start; the request bodies hold only base64 strings and numbers, so they are
 * written by hand.
 */
public final class EtcdGatewayReader {
  private static final Base64.Encoder B64 = Base64.getEncoder();

  private final List<String> endpoints;
  private final String user;
  private final String password;
  private final Duration timeout;
  // One token per endpoint: etcd checks a password with bcrypt, tens of milliseconds a time.
  private final Map<String, String> tokens = new java.util.concurrent.ConcurrentHashMap<>();

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
    String token = user == null ? null : authenticate(endpoint);
    Map<String, byte[]> values = new HashMap<>();
    long revision = 0;
    for (String prefix : prefixes) {
      byte[] key = prefix.getBytes(StandardCharsets.UTF_8);
      String body =
          "{\"key\":\"" + B64.encodeToString(key) + "\",\"range_end\":\"" + B64.encodeToString(prefixEnd(key)) + "\""
              + (revision > 0 ? ",\"revision\":" + revision : "") + "}";
      Map<?, ?> response = post(endpoint + "/v3/kv/range", body, token);
      if (revision == 0) {
        revision = Long.parseLong(String.valueOf(((Map<?, ?>) response.get("header")).get("revision")));
      }
      Object kvs = response.get("kvs");
      if (kvs instanceof List<?> list) {
        for (Object item : list) {
          Map<?, ?> kv = (Map<?, ?>) item;
          Object value = kv.get("value");
          values.put(
              new String(Base64.getDecoder().decode(String.valueOf(kv.get("key"))), StandardCharsets.UTF_8),
              value == null ? new byte[0] : Base64.getDecoder().decode(String.valueOf(value)));
        }
      }
    }
    if (revision <= 0) {
      throw new IllegalStateException("etcd gateway answered without a revision");
    }
    return new ConfigChange.Resync(values, revision, ConfigChange.Origin.ETCD);
  }

  /**
   * Grants a lease of {@code ttlSeconds} and writes {@code key} under it, over the gateway (the
   * first certificate request, before jetcd is up); answers the lease, which jetcd's
   * {@code LeasedKeys} then adopts and keeps alive. Fails (HTTP 403 in the message) when etcd's
   * access control refuses the write: a refused put writes nothing.
   */
  public long putUnderNewLease(String key, String value, long ttlSeconds) throws Exception {
    Exception last = null;
    for (String endpoint : endpoints) {
      try {
        String token = user == null ? null : authenticate(endpoint);
        Map<?, ?> grant = post(endpoint + "/v3/lease/grant", "{\"TTL\":" + ttlSeconds + "}", token);
        long lease = Long.parseLong(String.valueOf(grant.get("ID")));
        post(
            endpoint + "/v3/kv/put",
            "{\"key\":\"" + B64.encodeToString(key.getBytes(StandardCharsets.UTF_8)) + "\",\"value\":\""
                + B64.encodeToString(value.getBytes(StandardCharsets.UTF_8)) + "\",\"lease\":" + lease + "}",
            token);
        return lease;
      } catch (Exception e) {
        last = e;
        if (refused(e)) {
          throw e; // refused by access control: another endpoint answers the same
        }
      }
    }
    throw last == null ? new IllegalStateException("no etcd endpoint") : last;
  }

  /** Renews a lease once ({@code POST /v3/lease/keepalive}, one message of the stream). */
  public void keepAlive(long lease) throws Exception {
    Exception last = null;
    for (String endpoint : endpoints) {
      try {
        String token = user == null ? null : authenticate(endpoint);
        post(endpoint + "/v3/lease/keepalive", "{\"ID\":" + lease + "}", token);
        return;
      } catch (Exception e) {
        last = e;
      }
    }
    throw last == null ? new IllegalStateException("no etcd endpoint") : last;
  }

  /** Whether etcd's access control refused the call (the gateway answers 403, "permission denied"). */
  public static boolean refused(Exception e) {
    String message = String.valueOf(e.getMessage()).toLowerCase(java.util.Locale.ROOT);
    return message.contains(" answered 403") || message.contains("permission denied");
  }

  /** The value at {@code key}, or null when there is none. */
  public byte[] get(String key) throws Exception {
    Exception last = null;
    for (String endpoint : endpoints) {
      try {
        String token = user == null ? null : authenticate(endpoint);
        Map<?, ?> response =
            post(endpoint + "/v3/kv/range", "{\"key\":\"" + B64.encodeToString(key.getBytes(StandardCharsets.UTF_8)) + "\"}", token);
        if (response.get("kvs") instanceof List<?> list && !list.isEmpty()) {
          Object value = ((Map<?, ?>) list.get(0)).get("value");
          return value == null ? new byte[0] : Base64.getDecoder().decode(String.valueOf(value));
        }
        return null;
      } catch (Exception e) {
        last = e;
      }
    }
    throw last == null ? new IllegalStateException("no etcd endpoint") : last;
  }

  private String authenticate(String endpoint) throws Exception {
    String cached = tokens.get(endpoint);
    if (cached != null) {
      return cached;
    }
    String body = "{\"name\":" + quote(user) + ",\"password\":" + quote(password == null ? "" : password) + "}";
    String token = String.valueOf(post(endpoint + "/v3/auth/authenticate", body, null).get("token"));
    tokens.put(endpoint, token);
    return token;
  }

  /** A JSON string literal. */
  static String quote(String s) {
    StringBuilder out = new StringBuilder(s.length() + 2).append('"');
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') {
        out.append('\\').append(c);
      } else if (c < 0x20) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    return out.append('"').toString();
  }

  private Map<?, ?> post(String url, String body, String token) throws Exception {
    String answer = PlainHttpPost.post(url, body, token, timeout);
    return (Map<?, ?>) new Load(LoadSettings.builder().build()).loadFromString(answer);
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
