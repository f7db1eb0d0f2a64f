package dev.skein.server.dashboard;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.skein.api.KeyLayout;
import dev.skein.server.controlplane.Log;
import dev.skein.server.etcd.Etcd;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The control plane's web dashboard: every second it reads the mesh from etcd and scrapes each
 * agent's admin {@code /metrics} (the port an agent publishes in its status key), and serves the
 * service graph as a page ({@code /}) and as JSON ({@code /api/graph}).
 */
public final class Dashboard implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration SCRAPE_TIMEOUT = Duration.ofMillis(800);

    private final MeshReader reader;
    private final MetricWindow window;
    private final HttpServer server;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(SCRAPE_TIMEOUT).build();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "skein-dashboard");
        t.setDaemon(true);
        return t;
    });
    private volatile byte[] graph = "{}".getBytes(StandardCharsets.UTF_8);

    /**
     * @param windowSeconds rates and percentiles are over this many seconds of scrapes
     */
    public Dashboard(Etcd etcd, KeyLayout layout, InetSocketAddress address, int windowSeconds) throws IOException {
        this.reader = new MeshReader(etcd, layout);
        this.window = new MetricWindow(windowSeconds * 1000L);
        this.server = HttpServer.create(address, 0);
        server.createContext("/api/graph", ex -> send(ex, "application/json", graph));
        server.createContext("/", this::page);
        server.setExecutor(Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "skein-dashboard-http");
            t.setDaemon(true);
            return t;
        }));
    }

    public void start() {
        server.start();
        timer.scheduleWithFixedDelay(this::refresh, 0, 1, TimeUnit.SECONDS);
        Log.info("dashboard on http://" + server.getAddress().getHostString() + ":" + port() + "/");
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private void refresh() {
        try {
            MeshReader.Mesh mesh = reader.read();
            long now = System.currentTimeMillis();
            List<CompletableFuture<Void>> scrapes = new ArrayList<>();
            Set<String> ids = new HashSet<>();
            for (AgentInfo agent : mesh.agents()) {
                ids.add(agent.id());
                if (agent.adminPort() > 0) {
                    scrapes.add(scrape(agent).thenAccept(text -> window.add(agent.id(), now, PromSamples.parse(text))));
                }
            }
            try {
                CompletableFuture.allOf(scrapes.toArray(new CompletableFuture[0])).get(2, TimeUnit.SECONDS);
            } catch (Exception e) {
                // an agent that does not answer in time is left out of this round
            }
            window.retain(ids);
            graph = JSON.writeValueAsBytes(model(mesh));
        } catch (Exception e) {
            Log.warn("dashboard: cannot refresh: " + Etcd.rootMessage(e));
        }
    }

    /** Agents publish loopback admin ports: the dashboard scrapes agents on its own host. */
    private CompletableFuture<String> scrape(AgentInfo agent) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + agent.adminPort() + "/metrics"))
                .timeout(SCRAPE_TIMEOUT).build();
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
                .thenApply(r -> r.statusCode() == 200 ? r.body() : "");
    }

    private Map<String, Object> model(MeshReader.Mesh mesh) {
        GraphModel model = new GraphModel();
        for (AgentInfo agent : mesh.agents()) {
            MetricWindow.Delta delta = window.delta(agent.id());
            if (delta != null) {
                model.add(agent, delta);
            }
        }
        List<Map<String, Object>> edges = model.edgesJson();
        Map<String, Map<String, Object>> nodes = new LinkedHashMap<>();
        mesh.services().forEach((name, s) -> node(nodes, name).putAll(Map.of(
                "namespace", s.namespace(), "protocol", s.protocol(), "versions", s.versions())));
        for (AgentInfo a : mesh.agents()) {
            Map<String, Object> n = node(nodes, a.service());
            n.merge("agents", 1, (x, y) -> (Integer) x + (Integer) y);
        }
        for (Map<String, Object> e : edges) {
            node(nodes, (String) e.get("source"));
            node(nodes, (String) e.get("destination"));
            String dst = (String) e.get("destination");
            // The policy in force; "mtls" (from the traffic, see EdgeSecurity) is what was negotiated.
            e.put("mtlsPolicy", mesh.mtlsByService().getOrDefault(dst, mesh.mtlsByService().getOrDefault("*", "PERMISSIVE")));
        }
        nodes.forEach((name, n) -> n.put("inbound", model.inbound(name)));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("updated", Instant.now().toString());
        out.put("windowSeconds", EdgeStats.round(model.seconds(), 2));
        out.put("nodes", new ArrayList<>(nodes.values()));
        out.put("edges", edges);
        out.put("policies", mesh.policies());
        return out;
    }

    private static Map<String, Object> node(Map<String, Map<String, Object>> nodes, String name) {
        return nodes.computeIfAbsent(name, n -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", n);
            m.put("agents", 0);
            return m;
        });
    }

    private void page(HttpExchange ex) throws IOException {
        if (!ex.getRequestURI().getPath().equals("/")) {
            send(ex, 404, "text/plain", "not found\n".getBytes(StandardCharsets.UTF_8));
            return;
        }
        try (InputStream in = Dashboard.class.getResourceAsStream("index.html")) {
            send(ex, "text/html; charset=utf-8", in.readAllBytes());
        }
    }

    private static void send(HttpExchange ex, String type, byte[] body) throws IOException {
        send(ex, 200, type, body);
    }

    private static void send(HttpExchange ex, int status, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        ex.sendResponseHeaders(status, body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
        server.stop(0);
    }
}
