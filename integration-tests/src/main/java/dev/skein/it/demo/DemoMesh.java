package dev.skein.it.demo;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skein.it.support.Directories;
import dev.skein.it.support.EtcdServer;
import dev.skein.it.support.FreePorts;
import dev.skein.it.support.MeshJvm;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The demo mesh: a local etcd, a CA ({@code skein ca init}), the control plane with its
 * dashboard, three services under the agent — {@code frontend} (JDK HttpServer) calling
 * {@code orders} v1 and v2 over OkHttp, {@code orders} calling {@code inventory} over gRPC — and
 * users sending traffic; then a walk through the mesh's policies, each applied with
 * {@code skein apply} or {@code etcdctl put} while a live table shows its effect on every edge.
 *
 * <p>{@code --ci}: no pauses meant for people, plain lines (the test suite runs it so);
 * {@code --step-seconds N}: length of a step; {@code --rate N}: user requests per second;
 * {@code --dashboard-port N}: where the dashboard listens (default 8089, or a free port).
 */
public final class DemoMesh {
  private final Options options;
  private final List<MeshJvm> processes = new ArrayList<>();
  private EtcdServer etcd;
  private SkeinCli skein;
  private Path caDir;
  private MeshJvm frontend;
  private String ordersV1Port;
  private LiveTable table;
  // Set when the stop begins (Ctrl-C or the end): the walk-through then prints nothing more.
  private volatile boolean stopped;

  /** Command-line options. */
  record Options(boolean ci, int stepSeconds, int rate, int dashboardPort) {
    static Options parse(String[] args) {
      boolean ci = false;
      Integer step = null;
      int rate = 50;
      int port = 0;
      for (int i = 0; i < args.length; i++) {
        switch (args[i]) {
          case "--ci", "--quick" -> ci = true;
          case "--step-seconds" -> step = Integer.parseInt(args[++i]);
          case "--rate" -> rate = Integer.parseInt(args[++i]);
          case "--dashboard-port" -> port = Integer.parseInt(args[++i]);
          default -> throw new IllegalArgumentException(
              "unknown option " + args[i] + " (options: --ci, --step-seconds N, --rate N, --dashboard-port N)");
        }
      }
      return new Options(ci, step != null ? step : ci ? 8 : 15, rate, port != 0 ? port : defaultPort());
    }

    private static int defaultPort() {
      try (ServerSocket s = new ServerSocket(8089, 1, InetAddress.getLoopbackAddress())) {
        return 8089;
      } catch (IOException e) {
        return FreePorts.next();
      }
    }
  }

  private DemoMesh(Options options) {
    this.options = options;
  }

  public static void main(String[] args) throws Exception {
    Options options;
    try {
      options = Options.parse(args);
    } catch (RuntimeException e) {
      System.err.println("demo: " + e.getMessage());
      System.exit(2);
      return;
    }
    System.setProperty("skein.it.quiet", "true");
    DemoMesh demo = new DemoMesh(options);
    // Ctrl-C: stop everything this demo started.
    Runtime.getRuntime().addShutdownHook(new Thread(demo::stopEverything, "demo-stop"));
    try {
      demo.run();
    } finally {
      demo.stopEverything();
    }
  }

  private void run() throws Exception {
    etcd = EtcdServer.started();
    say("etcd started at " + etcd.endpoint() + " (data in a temporary directory)");
    skein = new SkeinCli(etcd.endpoint());
    SkeinCli.ControlPlane withCa =
        skein.startControlPlaneWithNewCa("control-plane", null, "--dashboard-port", Integer.toString(options.dashboardPort()));
    caDir = withCa.caDir();
    say("skein ca init: " + withCa.caInit().lines().findFirst().orElse(""));
    MeshJvm controlPlane = started(withCa.jvm());
    table = new LiveTable(options.dashboardPort(), !options.ci() && System.console() != null, System.out);
    awaitDashboard(controlPlane);
    say("control plane started; dashboard: http://127.0.0.1:" + options.dashboardPort() + "/");

    say("starting inventory (gRPC), orders v1 and v2 (JDK HttpServer, gRPC client), frontend (JDK HttpServer, OkHttp client), all under the agent");
    MeshJvm inventory = service("inventory", null, InventoryServer.class);
    MeshJvm ordersV1 = service("orders", "v1", OrdersServer.class, "v1");
    MeshJvm ordersV2 = service("orders", "v2", OrdersServer.class, "v2");
    frontend = service("frontend", null, FrontendServer.class);
    String frontendPort = null;
    for (MeshJvm jvm : List.of(inventory, ordersV1, ordersV2, frontend)) {
      String port = jvm.awaitLineStartingWith("listening", Duration.ofSeconds(60)).substring("listening ".length());
      awaitRegistration(jvm, port);
      frontendPort = port;
      if (jvm == ordersV1) {
        ordersV1Port = port;
      }
    }
    started(MeshJvm.builder("users").withoutAgent()
        .start(LoadGenerator.class.getName(), "http://127.0.0.1:" + frontendPort + "/", Integer.toString(options.rate())));
    say("users send " + options.rate() + " requests/s to frontend (every 5th with x-canary: true)");
    awaitTraffic();

    step("1. no policy: frontend's calls spread over orders v1 and v2 (round robin)");
    step("2. a 90/10 canary: skein apply -f canary.yaml (DestinationPolicy with subsets v1, v2; weighted Route)", () -> apply(DemoPolicies.CANARY));
    step("3. header routing: x-canary: true goes to v2, everyone else to v1",
        () -> put(DemoPolicies.ORDERS_ROUTE_KEY, DemoPolicies.headerRoute(false)));
    step("4. an injected fault hidden by retries: 10% of orders' calls to inventory abort (UNAVAILABLE), "
            + "orders answers 503, frontend retries (attempts: 3, retryOn: 5xx)",
        () -> {
          put(DemoPolicies.INVENTORY_ROUTE_KEY, DemoPolicies.inventoryFault(10));
          put(DemoPolicies.ORDERS_ROUTE_KEY, DemoPolicies.headerRoute(true));
        });
    step("5. a circuit breaker opening: frontend gets a breaker for orders, then every call to inventory fails; "
            + "the breaker opens and frontend fails fast: orders is left alone",
        () -> {
          put(DemoPolicies.ORDERS_DESTINATION_KEY, DemoPolicies.ORDERS_BREAKER);
          put(DemoPolicies.INVENTORY_ROUTE_KEY, DemoPolicies.inventoryFault(100));
        });
    step("6. recovery: the fault is removed; the breakers let calls through again",
        () -> delete(DemoPolicies.INVENTORY_ROUTE_KEY));
    step("7. an invalid Route (weight 140, put with etcdctl: skein apply would refuse it): the agents reject it, "
            + "the last good Route stays", () -> put(DemoPolicies.ORDERS_ROUTE_KEY, DemoPolicies.INVALID_ROUTE));
    rejection();
    step("8. STRICT mutual TLS on orders (PeerAuthentication): frontend's OkHttp calls already use the mesh's "
            + "mutual TLS and go on; plain text from outside the mesh is refused",
        () -> {
          say("before: a plain-text request from outside the mesh to orders v1: " + plainText(ordersV1Port));
          put(DemoPolicies.ORDERS_PEER_AUTHENTICATION_KEY, DemoPolicies.ORDERS_STRICT_MTLS);
          awaitLog(ordersV1, "PeerAuthentication for orders: STRICT");
          say("after: a plain-text request from outside the mesh to orders v1: " + plainText(ordersV1Port));
        });
    step("9. an authorization policy denying a caller: inventory DENYs the SPIFFE ID of orders "
            + "(" + DemoPolicies.ORDERS_SPIFFE_ID + "), read from orders' client certificate; its calls end PERMISSION_DENIED",
        () -> {
          say("(frontend's circuit breaker for orders is removed first, so that every denied call shows)");
          put(DemoPolicies.ORDERS_DESTINATION_KEY, DemoPolicies.ORDERS_SUBSETS);
          put(DemoPolicies.INVENTORY_AUTHORIZATION_KEY, DemoPolicies.INVENTORY_DENIES_ORDERS);
          awaitLog(inventory, "authorization denied");
          inventory.agentLog().lines().filter(l -> l.contains("authorization denied")).findFirst()
              .ifPresent(l -> System.out.println("  inventory's agent log: " + l));
        });
    if (!stopped) {
      say("done");
    }
  }

  private interface Action {
    void run() throws Exception;
  }

  private void step(String title) throws Exception {
    step(title, () -> {});
  }

  private void step(String title, Action action) throws Exception {
    if (stopped) {
      return;
    }
    System.out.println();
    System.out.println("== " + title);
    action.run();
    table.header();
    for (int s = 0; s < options.stepSeconds() && !stopped; s++) {
      long next = System.nanoTime() + 1_000_000_000L;
      table.frame();
      long wait = next - System.nanoTime();
      if (wait > 0) {
        Thread.sleep(wait / 1_000_000);
      }
    }
  }

  /** One plain-text request from this JVM (no agent, so outside the mesh): its answer or why none. */
  private static String plainText(String port) {
    try {
      java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(
          java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + "/"))
              .timeout(Duration.ofSeconds(5)).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString());
      return "answered " + r.statusCode();
    } catch (IOException e) {
      return "refused (" + e.getClass().getSimpleName() + ")";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
  }

  private static void awaitLog(MeshJvm jvm, String text) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!jvm.agentLog().contains(text) && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
  }

  private void apply(String yaml) throws Exception {
    Path file = Files.createTempFile("canary", ".yaml");
    try {
      Files.writeString(file, yaml);
      for (String line : skein.run("apply", "-f", file.toString()).split("\n")) {
        say("skein apply: " + line);
      }
    } finally {
      Files.deleteIfExists(file);
    }
  }

  private void put(String key, String value) {
    say("etcdctl put " + key);
    etcd.put(key, value);
  }

  private void delete(String key) {
    say("etcdctl del " + key);
    etcd.delete(key);
  }

  /** Shows why the invalid Route was refused: the agent's log line and the control plane's verdict. */
  private void rejection() {
    frontend.agentLog().lines().filter(l -> l.contains("policy rejected")).reduce((a, b) -> b)
        .ifPresent(l -> System.out.println("  agent log: " + l));
    JsonNode graph = table.last();
    if (graph != null) {
      for (JsonNode p : graph.path("policies")) {
        if (p.path("kind").asText().equals("Route") && p.path("name").asText().equals("orders")) {
          System.out.println("  control plane: Route/orders at revision " + p.path("revision").asLong() + ": "
              + p.path("verdict").asText() + " " + p.path("problems"));
        }
      }
    }
  }

  private MeshJvm service(String name, String version, Class<?> main, String... args) throws IOException {
    MeshJvm.Builder b = MeshJvm.builder(version == null ? name : name + "-" + version)
        .property("skein.service", name)
        .property("skein.etcd.endpoints", etcd.endpoint())
        .property("skein.admin.port", Integer.toString(FreePorts.next()))
        // Without it the JDK HttpServer waits ~40 ms for a delayed ACK on every keep-alive answer.
        .property("sun.net.httpserver.nodelay", "true");
    if (version != null) {
      b.property("skein.labels", "version=" + version);
    }
    return started(b.start(main.getName(), args));
  }

  private synchronized MeshJvm started(MeshJvm jvm) {
    processes.add(jvm);
    return jvm;
  }

  private void awaitDashboard(MeshJvm controlPlane) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (table.fetch() == null) {
      if (!controlPlane.isAlive() || System.nanoTime() > deadline) {
        throw new IllegalStateException("the control plane's dashboard did not start:\n" + controlPlane.agentLog());
      }
      Thread.sleep(200);
    }
  }

  private void awaitRegistration(MeshJvm jvm, String port) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!etcd.getPrefix("/skein/endpoints/").contains("\"port\":" + port + ",")) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("no endpoint registered with port " + port + "; agent log:\n" + jvm.agentLog());
      }
      Thread.sleep(100);
    }
  }

  /** Waits until both edges carry the users' traffic without errors: cold JVMs are slow at first. */
  private void awaitTraffic() throws InterruptedException {
    say("waiting for the mesh to warm up (both edges busy, no errors)");
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    while (System.nanoTime() < deadline) {
      JsonNode g = table.fetch();
      if (g != null && g.path("edges").size() >= 2) {
        boolean warm = true;
        for (JsonNode e : g.path("edges")) {
          warm &= e.path("rps").asDouble() >= 0.8 * options.rate() && e.path("successRate").asDouble() >= 99.9;
        }
        if (warm) {
          return;
        }
      }
      Thread.sleep(500);
    }
    say("the mesh is still not warm after 120 s; continuing");
  }

  private static void say(String message) {
    System.out.println("[demo] " + message);
  }

  private synchronized void stopEverything() {
    if (stopped) {
      return;
    }
    stopped = true;
    List<MeshJvm> all = new ArrayList<>(processes);
    java.util.Collections.reverse(all);
    for (MeshJvm jvm : all) {
      try {
        jvm.close();
      } catch (Exception e) {
        // best effort on the way out
      }
    }
    try {
      if (etcd != null) {
        etcd.close();
      }
      if (caDir != null && Files.exists(caDir)) {
        Directories.delete(caDir);
      }
    } catch (Exception e) {
      // best effort on the way out
    }
  }
}
