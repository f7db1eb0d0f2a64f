package dev.skein.core.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.skein.api.Endpoint;
import dev.skein.api.Problem;
import dev.skein.bootstrap.AgentFaults;
import dev.skein.core.routing.EndpointGroup;
import dev.skein.core.routing.ServiceTarget;
import dev.skein.core.state.MeshSnapshot;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * The loopback admin endpoint ({@code skein.admin.port}): {@code /config_dump},
 * {@code /clusters}, {@code /metrics}, {@code /healthz}. Served by the JDK's HTTP server, which the agent already
 * relies on being present; it is started from a daemon thread, so its threads are daemons too.
 */
public final class AdminServer {
  /** Created on the first admin request, not at start: Jackson is a few hundred classes. */
  private static final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  }

  private final HttpServer server;
  private final Supplier<MeshSnapshot> snapshot;
  private final Supplier<Map<String, byte[]>> rawPolicies;
  private volatile Supplier<String> metrics = () -> "";
  private volatile Supplier<Map<String, Object>> authorization = Map::of;
  private volatile Supplier<Map<String, Object>> accessLog = Map::of;

  public AdminServer(int port, Supplier<MeshSnapshot> snapshot) throws IOException {
    this(port, snapshot, Map::of);
  }

  /**
   * @param rawPolicies the text of each policy in force (etcd key to value), shown as the
   *     operator wrote it; file mode has none and shows the parsed form
   */
  public AdminServer(int port, Supplier<MeshSnapshot> snapshot, Supplier<Map<String, byte[]>> rawPolicies) throws IOException {
    this.snapshot = snapshot;
    this.rawPolicies = rawPolicies;
    this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 16);
    server.setExecutor(
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "skein-admin");
              t.setDaemon(true);
              return t;
            }));
    server.createContext("/healthz", ex -> send(ex, 200, "text/plain", "ok\n"));
    server.createContext("/config_dump", ex -> sendJson(ex, configDump()));
    server.createContext("/clusters", ex -> sendJson(ex, clusters()));
    server.createContext("/metrics", ex -> send(ex, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.get()));
  }

  /** {@code /metrics} serves this Prometheus text (the telemetry's metrics). */
  public void serveMetrics(Supplier<String> prometheusText) {
    this.metrics = prometheusText;
  }

  /** {@code /config_dump} shows this as {@code authorization}: the policies in force and the decision counts. */
  public void serveAuthorization(Supplier<Map<String, Object>> summary) {
    this.authorization = summary;
  }

  /** {@code /config_dump} shows this as {@code accessLog}: whether it is on, for which side, and what decided. */
  public void serveAccessLog(Supplier<Map<String, Object>> state) {
    this.accessLog = state;
  }

  /** The server object, so that the engine does not register its own admin port as an endpoint. */
  public Object server() {
    return server;
  }

  public void start() {
    server.start();
  }

  public int port() {
    return server.getAddress().getPort();
  }

  public void stop() {
    server.stop(0);
  }

  private Map<String, Object> configDump() {
    MeshSnapshot s = snapshot.get();
    Map<String, Object> dump = new LinkedHashMap<>();
    if (s == null) {
      dump.put("revision", null);
      dump.put("status", "waiting for the first policy snapshot");
      return dump;
    }
    dump.put("revision", s.revision());
    dump.put("origin", s.origin().name().toLowerCase());
    Map<String, Object> policies = new LinkedHashMap<>();
    Map<String, byte[]> raw = rawPolicies.get();
    s.policies().entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(
            e -> {
              byte[] text = raw.get(e.getKey());
              policies.put(
                  e.getKey(),
                  text == null ? e.getValue().toString() : new String(text, java.nio.charset.StandardCharsets.UTF_8));
            });
    dump.put("policies", policies);
    Map<String, List<String>> rejected = new LinkedHashMap<>();
    s.rejected().forEach((k, problems) -> rejected.put(k, problems.stream().map(Problem::toString).toList()));
    dump.put("rejected", rejected);
    dump.put("authorization", authorization.get());
    dump.put("accessLog", accessLog.get());
    dump.put("agentFaults", AgentFaults.snapshot());
    return dump;
  }

  private Map<String, Object> clusters() {
    MeshSnapshot s = snapshot.get();
    Map<String, Object> services = new LinkedHashMap<>();
    if (s == null) {
      return services;
    }
    s.httpById().values().stream()
        .sorted((a, b) -> a.id().compareTo(b.id()))
        .forEach(t -> services.put(t.id(), describe(t)));
    return services;
  }

  private static Map<String, Object> describe(ServiceTarget t) {
    Map<String, Object> service = new LinkedHashMap<>();
    service.put("endpoints", endpoints(t.all()));
    Map<String, Object> subsets = new LinkedHashMap<>();
    t.subsets().forEach((name, group) -> subsets.put(name, endpoints(group)));
    service.put("subsets", subsets);
    service.put("route", t.route() == null ? null : t.route().policyName());
    return service;
  }

  private static List<String> endpoints(EndpointGroup group) {
    List<String> list = new ArrayList<>();
    for (Endpoint e : group.endpoints()) {
      list.add(e.address() + ":" + e.port() + " " + e.protocol() + " " + e.labels());
    }
    return list;
  }

  private static void sendJson(HttpExchange ex, Object body) throws IOException {
    send(ex, 200, "application/json", Json.MAPPER.writeValueAsString(body) + "\n");
  }

  private static void send(HttpExchange ex, int status, String type, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", type);
    ex.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }
}
