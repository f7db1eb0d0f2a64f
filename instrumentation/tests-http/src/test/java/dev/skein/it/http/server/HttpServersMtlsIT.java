package dev.skein.it.http.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.skein.it.demo.SkeinCli;
import dev.skein.it.support.EtcdServer;
import dev.skein.it.support.FreePorts;
import dev.skein.it.support.MeshJvm;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Mesh mutual TLS on each HTTP server library's own port, end to end: real etcd, the real control
 * plane's CA ({@code skein ca init}, {@code skein control-plane}) signing each agent's certificate,
 * one server JVM per library, each its own mesh service, and a plain {@code java.net.http} client
 * as {@code front}, all under the agent with no TLS code of their own, and {@code curl} from outside
 * the mesh. One set of processes serves every case (the servers start side by side), in order: the
 * client's SPIFFE ID decides a principal-based AuthorizationPolicy (which only a mesh TLS
 * connection can carry: a plain-text request has no principal), then PeerAuthentication STRICT
 * refuses plain text while mesh calls go on.
 *
 * <p>How each library takes TLS on its port: Jetty 12 with a core handler, Jetty's own TLS-or-plain
 * detector in front of the connector's HTTP/1.1; Tomcat 11's NIO connector, decided per connection
 * in {@code NioEndpoint.SocketProcessor}, and its NIO2 connector ({@code Http11Nio2Protocol}, in
 * Tomcat 11 and 10.1), whose first byte is read asynchronously before
 * {@code Nio2Endpoint.SocketProcessor} processes it; Undertow 2.3's HTTP listener, the first byte decides before {@code HttpOpenListener} reads
 * the connection; Reactor Netty {@code HttpServer}, a
 * first-byte detector first in each connection's pipeline.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HttpServersMtlsIT {
  private static final String FRONT_ID = "spiffe://skein.local/ns/default/sa/front";
  private static final String NIO2 = "org.apache.coyote.http11.Http11Nio2Protocol";

  /** One server library under test: its mesh service, app and the JVM serving it. */
  private record Server(String service, MeshJvm jvm, int port, int adminPort) {}

  private EtcdServer etcd;
  private MeshJvm controlPlane;
  private MeshJvm front;
  private final Map<String, Server> servers = new LinkedHashMap<>();

  @BeforeAll
  void start() throws Exception {
    etcd = EtcdServer.started();
    controlPlane = new SkeinCli(etcd.endpoint()).startControlPlaneWithNewCa("control-plane", null).jvm();
    Map<String, MeshJvm> jvms = new LinkedHashMap<>();
    Map<String, Integer> adminPorts = new LinkedHashMap<>();
    startServer(jvms, adminPorts, "jetty", JettyCoreApp.class, "tomcat-");
    startServer(jvms, adminPorts, "tomcat", TomcatApp.class, "jetty-");
    startServer(jvms, adminPorts, "tomcat-nio2", Map.of("TOMCAT_PROTOCOL", NIO2),
        ServerDiscoveryContract.testClassPathWithout("jetty-"), TomcatApp.class);
    startServer(jvms, adminPorts, "tomcat10-nio2", Map.of("TOMCAT_PROTOCOL", NIO2), Tomcat10DiscoveryIT.tomcat10ClassPath(), TomcatApp.class);
    startServer(jvms, adminPorts, "undertow", UndertowApp.class, "tomcat-");
    startServer(jvms, adminPorts, "reactor-netty", ReactorNettyServerApp.class, "tomcat-", "jetty-");
    front =
        MeshJvm.builder("front")
            .property("skein.service", "front")
            .property("skein.etcd.endpoints", etcd.endpoint())
            .start("dev.skein.it.apps.mtls.MeshCaller");
    awaitListening(jvms, adminPorts, 0);
    front.awaitLineStartingWith("ready", Duration.ofSeconds(60));
    // Every JVM holds a certificate, and each server registered that it takes the mesh's TLS.
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
      for (Server s : servers.values()) {
        if (!s.jvm().agentLog().contains("workload certificate")
            || !etcd.getPrefix("/skein/endpoints/default/" + s.service() + "/").contains("\"tls\":true")) {
          return false;
        }
      }
      return front.agentLog().contains("workload certificate");
    });
  }

  private void startServer(Map<String, MeshJvm> jvms, Map<String, Integer> adminPorts, String service,
      Class<?> app, String... classPathWithout) throws IOException, InterruptedException {
    startServer(jvms, adminPorts, service, Map.of(), ServerDiscoveryContract.testClassPathWithout(classPathWithout), app);
  }

  private void startServer(Map<String, MeshJvm> jvms, Map<String, Integer> adminPorts, String service,
      Map<String, String> env, String classPath, Class<?> app) throws IOException, InterruptedException {
    int adminPort = FreePorts.next();
    adminPorts.put(service, adminPort);
    MeshJvm.Builder builder =
        MeshJvm.builder(app.getSimpleName() + "-" + service)
            .property("skein.service", service)
            .property("skein.etcd.endpoints", etcd.endpoint())
            .property("skein.admin.port", Integer.toString(adminPort))
            .env("ECHO_VERSION", "v1")
            .classPath(classPath);
    env.forEach(builder::env);
    jvms.put(service, builder.start(app.getName()));
    awaitListening(jvms, adminPorts, STARTING_AT_ONCE);
  }

  // Servers start two at a time: all at once, eight JVMs took 35 s each to start on 2 cores and
  // starved the tests that the other CI stream runs beside this one.
  private static final int STARTING_AT_ONCE = 2;

  /** Waits for started servers, oldest first, until fewer than {@code atMost} are still starting. */
  private void awaitListening(Map<String, MeshJvm> jvms, Map<String, Integer> adminPorts, int atMost)
      throws InterruptedException {
    for (Map.Entry<String, MeshJvm> e : jvms.entrySet()) {
      if (jvms.size() - servers.size() < Math.max(1, atMost)) {
        return;
      }
      if (!servers.containsKey(e.getKey())) {
        int port = Integer.parseInt(e.getValue().awaitLineStartingWith("listening", Duration.ofSeconds(60)).split(" ")[1]);
        servers.put(e.getKey(), new Server(e.getKey(), e.getValue(), port, adminPorts.get(e.getKey())));
      }
    }
  }

  @AfterAll
  void stop() throws Exception {
    List<AutoCloseable> all = new ArrayList<>();
    all.add(front);
    servers.values().forEach(s -> all.add(s.jvm()));
    all.add(controlPlane);
    all.add(etcd);
    for (AutoCloseable c : all) {
      if (c != null) {
        c.close();
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"tomcat", "tomcat-nio2", "tomcat10-nio2"})
  @Order(0)
  void theServletSeesTheClientsSpiffeIdOverMeshTlsAndPlainTextStillServes(String service) throws Exception {
    front.send("send 5 http://" + service + "/peer");
    assertThat(front.awaitLineStartingWith("result", Duration.ofSeconds(30)))
        .as("only a TLS session carries the client's certificate").contains("ok=5 failed=0").contains("{" + FRONT_ID + "=5}");
    assertThat(curl("http://127.0.0.1:" + servers.get(service).port() + "/peer")).isEqualTo("plaintext");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"jetty", "tomcat", "tomcat-nio2", "undertow", "reactor-netty"})
  @Order(1)
  void theClientsSpiffeIdFromMeshTlsDecidesAPrincipalPolicy(String service) throws Exception {
    Server server = servers.get(service);
    String key = "/skein/policies/default/AuthorizationPolicy/" + service + "-principals";
    assertThat(call(service)).contains("ok=5 failed=0").contains("{v1=5}");
    assertThat(curlStatus(server)).as("PERMISSIVE: plain text from outside the mesh is served").isEqualTo("200");
    String policy = """
        kind: AuthorizationPolicy
        metadata: {name: %s-principals}
        spec:
          selector: {service: %s}
          action: ALLOW
          rules: [{from: [{principals: ["%s"]}]}]
        """;
    try {
      etcd.put(key, policy.formatted(service, service, FRONT_ID));
      await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
          assertThat(curlStatus(server)).as("plain text carries no principal").isEqualTo("403"));
      assertThat(call(service)).as("front's SPIFFE ID, from its mesh TLS certificate, is allowed").contains("ok=5 failed=0");
      etcd.put(key, policy.formatted(service, service, "spiffe://skein.local/ns/default/sa/somebody-else"));
      await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
          assertThat(call(service)).contains("ok=0 failed=5").contains("status_403"));
    } finally {
      etcd.delete(key);
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"jetty", "tomcat", "tomcat-nio2", "undertow", "reactor-netty"})
  @Order(2)
  void strictRefusesPlainTextWhileMeshCallsGoOn(String service) throws Exception {
    Server server = servers.get(service);
    String key = "/skein/policies/default/PeerAuthentication/" + service;
    try {
      etcd.put(key, """
          kind: PeerAuthentication
          metadata: {name: %s}
          spec:
            selector: {service: %s}
            mtls: {mode: STRICT}
          """.formatted(service, service));
      await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
          .until(() -> server.jvm().agentLog().contains("PeerAuthentication for " + service + ": STRICT"));
      assertThat(curlStatus(server)).as("plain text is closed unanswered").isEqualTo("000");
      assertThat(call(service)).contains("ok=5 failed=0").contains("{v1=5}");
      assertThat(curl("http://127.0.0.1:" + server.adminPort() + "/metrics")).containsPattern("skein_mtls_refused_total [1-9]");
    } finally {
      etcd.delete(key);
    }
  }

  private String call(String service) throws Exception {
    front.send("send 5 http://" + service + "/api/items");
    return front.awaitLineStartingWith("result", Duration.ofSeconds(30));
  }

  /** The HTTP status a plain-text curl gets from the server, {@code 000} when none. */
  private static String curlStatus(Server server) throws Exception {
    return curl("-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:" + server.port() + "/api/items");
  }

  private static String curl(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("curl", "-s", "--max-time", "5"));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(10, TimeUnit.SECONDS)) {
      p.destroyForcibly();
    }
    return out.strip();
  }
}
