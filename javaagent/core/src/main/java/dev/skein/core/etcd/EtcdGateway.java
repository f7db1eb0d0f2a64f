package dev.skein.core.etcd;

import dev.skein.core.state.ConfigChange;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * The agent's etcd client: etcd's JSON gateway ({@code POST /v3/...}) over plain sockets
 * ({@link PlainHttpPost}). Reads, writes, leases and watches ({@link GatewayWatch}).
 *
 * <p>Why not jetcd: its gRPC, Netty, Vert.x, Guava and protobuf are about 1,700 classes in every
 * application JVM (about 15 MiB of class metadata, and a second of class loading on a cold JVM
 * before the first watch), for a few small calls a minute and one long-lived watch response.
 * The gateway is part of every etcd server since 3.3 and speaks the same API, under the same
 * authentication and access control. Not the JDK's HTTP client: the agent instruments it.
 *
 * <p>Each call tries the endpoints in turn, starting from the last one that answered. With etcd
 * authentication, a token is kept per endpoint (etcd checks a password with bcrypt, tens of
 * milliseconds a time) and taken again when etcd no longer knows it (a restarted etcd forgets
 * its simple tokens).
 *
 * <p>Answers are parsed with SnakeYAML (JSON is YAML, and the policy parser has loaded it
 * already) rather than Jackson's ObjectMapper, whose few hundred classes would load on the
 * application's start; the request bodies hold only base64 strings and numbers, so they are
 * written by hand.
 */
public final class EtcdGateway {
  private static final Base64.Encoder B64 = Base64.getEncoder();
  private static final Base64.Decoder UNB64 = Base64.getDecoder();

  private final List<String> endpoints;
  private final String user;
  private final String password;
  private final Duration timeout;
  private final Map<String, String> tokens;
  private final AtomicInteger preferred;

  public EtcdGateway(List<String> endpoints, String user, String password, Duration timeout) {
    this(endpoints, user, password, timeout, new ConcurrentHashMap<>(), new AtomicInteger());
  }

  private EtcdGateway(
      List<String> endpoints, String user, String password, Duration timeout, Map<String, String> tokens, AtomicInteger preferred) {
    if (endpoints.isEmpty()) {
      throw new IllegalArgumentException("no etcd endpoint");
    }
    this.endpoints = List.copyOf(endpoints);
    this.user = user;
    this.password = password;
    this.timeout = timeout;
    this.tokens = tokens;
    this.preferred = preferred;
  }

  /** The same client (endpoints, tokens) with another timeout per call. */
  public EtcdGateway withTimeout(Duration perCall) {
    return new EtcdGateway(endpoints, user, password, perCall, tokens, preferred);
  }

  /** All keys under the prefixes, read at one revision. */
  public ConfigChange.Resync read(String... prefixes) throws Exception {
    return onAnyEndpoint(endpoint -> readFrom(endpoint, prefixes));
  }

  private ConfigChange.Resync readFrom(String endpoint, String[] prefixes) throws Exception {
    Map<String, byte[]> values = new HashMap<>();
    long revision = 0;
    for (String prefix : prefixes) {
      String body = "{" + prefixRange(prefix) + (revision > 0 ? ",\"revision\":" + revision : "") + "}";
      Map<?, ?> response = post(endpoint, "/v3/kv/range", body);
      if (revision == 0) {
        revision = number(((Map<?, ?>) response.get("header")).get("revision"));
      }
      if (response.get("kvs") instanceof List<?> list) {
        for (Object item : list) {
          Map<?, ?> kv = (Map<?, ?>) item;
          values.put(new String(decode(kv.get("key")), StandardCharsets.UTF_8), decode(kv.get("value")));
        }
      }
    }
    if (revision <= 0) {
      throw new IllegalStateException("etcd gateway answered without a revision");
    }
    return new ConfigChange.Resync(values, revision, ConfigChange.Origin.ETCD);
  }

  /** etcd's current revision, by counting the keys under {@code prefix} (a cheap call that says etcd answers). */
  public long revision(String prefix) throws Exception {
    String body = "{" + prefixRange(prefix) + ",\"count_only\":true}";
    return onAnyEndpoint(endpoint -> number(((Map<?, ?>) post(endpoint, "/v3/kv/range", body).get("header")).get("revision")));
  }

  /** The value at {@code key}, or null when there is none. */
  public byte[] get(String key) throws Exception {
    return onAnyEndpoint(
        endpoint -> {
          Map<?, ?> response = post(endpoint, "/v3/kv/range", "{\"key\":\"" + b64(key) + "\"}");
          if (response.get("kvs") instanceof List<?> list && !list.isEmpty()) {
            return decode(((Map<?, ?>) list.get(0)).get("value"));
          }
          return null;
        });
  }

  /** Writes {@code key} under {@code lease} (0: no lease). */
  public void put(String key, String value, long lease) throws Exception {
    String body = "{\"key\":\"" + b64(key) + "\",\"value\":\"" + b64(value) + "\"" + (lease != 0 ? ",\"lease\":" + lease : "") + "}";
    onAnyEndpoint(endpoint -> post(endpoint, "/v3/kv/put", body));
  }

  public void delete(String key) throws Exception {
    onAnyEndpoint(endpoint -> post(endpoint, "/v3/kv/deleterange", "{\"key\":\"" + b64(key) + "\"}"));
  }

  /** Grants a lease of {@code ttlSeconds}; answers its ID. */
  public long grant(long ttlSeconds) throws Exception {
    return onAnyEndpoint(endpoint -> number(post(endpoint, "/v3/lease/grant", "{\"TTL\":" + ttlSeconds + "}").get("ID")));
  }

  /**
   * Renews a lease once ({@code POST /v3/lease/keepalive}: one message of the stream); answers its
   * new TTL in seconds, 0 when etcd no longer has the lease (it expired while etcd was away).
   */
  public long keepAlive(long lease) throws Exception {
    return onAnyEndpoint(
        endpoint -> {
          Object result = post(endpoint, "/v3/lease/keepalive", "{\"ID\":" + lease + "}").get("result");
          return result instanceof Map<?, ?> r ? number(r.get("TTL")) : 0L;
        });
  }

  /** Revokes a lease, deleting every key under it. */
  public void revoke(long lease) throws Exception {
    onAnyEndpoint(endpoint -> post(endpoint, "/v3/lease/revoke", "{\"ID\":" + lease + "}"));
  }

  /**
   * Grants a lease of {@code ttlSeconds} and writes {@code key} under it; answers the lease. Fails
   * (HTTP 403 in the message) when etcd's access control refuses the write: a refused put writes
   * nothing.
   */
  public long putUnderNewLease(String key, String value, long ttlSeconds) throws Exception {
    long lease = grant(ttlSeconds);
    put(key, value, lease);
    return lease;
  }

  /**
   * Whether this user may write {@code key}: a transaction whose condition never holds, so etcd
   * checks the permissions of its put but writes nothing (a plain put would leave a key outside
   * the agent's lease).
   */
  public boolean mayPut(String key) throws Exception {
    String body =
        "{\"compare\":[{\"key\":\"" + b64(key) + "\",\"target\":\"VERSION\",\"result\":\"LESS\",\"version\":\"0\"}],"
            + "\"success\":[{\"request_put\":{\"key\":\"" + b64(key) + "\",\"value\":\"\"}}]}";
    try {
      onAnyEndpoint(endpoint -> post(endpoint, "/v3/kv/txn", body));
      return true;
    } catch (Exception e) {
      if (refused(e)) {
        return false;
      }
      throw e;
    }
  }

  /**
   * Starts watching the ranges from {@code startRevision} (0: from now) on one connection; events
   * and the end arrive on a thread of the watch's own.
   */
  public GatewayWatch watch(long startRevision, GatewayWatch.Listener listener, String threadName, WatchRange... ranges)
      throws Exception {
    StringBuilder body = new StringBuilder();
    for (WatchRange range : ranges) {
      // One message per range, in one request body: the gateway reads the body as the request stream.
      body.append("{\"create_request\":{\"key\":\"").append(B64.encodeToString(range.key())).append('"');
      if (range.end() != null) {
        body.append(",\"range_end\":\"").append(B64.encodeToString(range.end())).append('"');
      }
      if (startRevision > 0) {
        body.append(",\"start_revision\":").append(startRevision);
      }
      body.append("}}");
    }
    return onAnyEndpoint(
        endpoint -> {
          PlainHttpPost.BodyStream stream = PlainHttpPost.stream(endpoint + "/v3/watch", body.toString(), token(endpoint), timeout);
          return GatewayWatch.start(stream, ranges.length, listener, threadName, () -> tokens.remove(endpoint));
        });
  }

  /** A key, or every key under a prefix, to watch. */
  public record WatchRange(byte[] key, byte[] end) {
    public static WatchRange prefix(String prefix) {
      byte[] key = utf8(prefix);
      return new WatchRange(key, prefixEnd(key));
    }

    public static WatchRange key(String key) {
      return new WatchRange(utf8(key), null);
    }
  }

  /** Whether etcd's access control refused the call (the gateway answers 403, "permission denied"). */
  public static boolean refused(Exception e) {
    String message = String.valueOf(e.getMessage()).toLowerCase(java.util.Locale.ROOT);
    return message.contains(" answered 403") || message.contains("permission denied");
  }

  private interface Call<T> {
    T on(String endpoint) throws Exception;
  }

  /**
   * Runs {@code call} against the endpoint that answered last, then the others in turn. A refusal
   * by access control is final (every member answers the same); an unknown token is taken again
   * once.
   */
  private <T> T onAnyEndpoint(Call<T> call) throws Exception {
    Exception last = null;
    int first = preferred.get();
    for (int i = 0; i < endpoints.size(); i++) {
      int index = (first + i) % endpoints.size();
      String endpoint = endpoints.get(index);
      try {
        T answer;
        try {
          answer = call.on(endpoint);
        } catch (IOException e) {
          if (user == null || !unauthenticated(e)) {
            throw e;
          }
          tokens.remove(endpoint);
          answer = call.on(endpoint);
        }
        preferred.set(index);
        return answer;
      } catch (Exception e) {
        last = e;
        if (refused(e)) {
          throw e;
        }
      }
    }
    throw last;
  }

  /** etcd no longer knows the token: restarted, or the token's TTL passed without a call. */
  private static boolean unauthenticated(IOException e) {
    String message = String.valueOf(e.getMessage());
    return message.contains(" answered 401") || message.contains("invalid auth token");
  }

  private String token(String endpoint) throws Exception {
    if (user == null) {
      return null;
    }
    String cached = tokens.get(endpoint);
    if (cached != null) {
      return cached;
    }
    String body = "{\"name\":" + quote(user) + ",\"password\":" + quote(password == null ? "" : password) + "}";
    String token = String.valueOf(parse(PlainHttpPost.post(endpoint + "/v3/auth/authenticate", body, null, timeout)).get("token"));
    tokens.put(endpoint, token);
    return token;
  }

  private Map<?, ?> post(String endpoint, String path, String body) throws Exception {
    return parse(PlainHttpPost.post(endpoint + path, body, token(endpoint), timeout));
  }

  static Map<?, ?> parse(String json) {
    return (Map<?, ?>) new Load(LoadSettings.builder().build()).loadFromString(json);
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

  /** An int64 of the gateway's JSON (a string), 0 when absent (proto3 leaves zeros out). */
  static long number(Object value) {
    return value == null ? 0 : Long.parseLong(String.valueOf(value));
  }

  /** A bytes field of the gateway's JSON (base64), empty when absent. */
  static byte[] decode(Object value) {
    return value == null ? new byte[0] : UNB64.decode(String.valueOf(value));
  }

  /** The {@code key} and {@code range_end} fields that select every key under {@code prefix}. */
  private static String prefixRange(String prefix) {
    WatchRange range = WatchRange.prefix(prefix);
    return "\"key\":\"" + B64.encodeToString(range.key()) + "\",\"range_end\":\"" + B64.encodeToString(range.end()) + "\"";
  }

  private static String b64(String s) {
    return B64.encodeToString(utf8(s));
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
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
