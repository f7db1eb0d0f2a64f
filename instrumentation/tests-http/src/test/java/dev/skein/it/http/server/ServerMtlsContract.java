package dev.skein.it.http.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.skein.it.demo.SkeinCli;
import dev.skein.it.support.EtcdServer;
import dev.skein.it.support.FreePorts;
import dev.skein.it.support.MeshJvm;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Mesh mutual TLS on an HTTP server library's own port, end to end: real etcd, the real control
 * plane's CA ({@code skein ca init}, {@code skein control-plane}) signing each agent's certificate,
 * the library's server as {@code orders} and a plain {@code java.net.http} client as {@code front},
 * both under the agent with no TLS code of their own, and {@code curl} from outside the mesh. One set
 * of processes serves every case, in order: the client's SPIFFE ID decides a principal-based
 * AuthorizationPolicy (which only a mesh TLS connection can carry: a plain-text request has no
 * principal), then PeerAuthentication STRICT refuses plain text while mesh calls go on.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class ServerMtlsContract {
  private static final String FRONT_ID = "spiffe://skein.local/ns/default/sa/front";
  private static final String AUTHZ = "/skein/policies/default/AuthorizationPolicy/orders-principals";
  private static final String STRICT = "/skein/policies/default/PeerAuthentication/orders";
  private EtcdServer etcd;
  private MeshJvm controlPlane;
  private MeshJvm server;
  private MeshJvm front;
  private int port;
  private final int adminPort = FreePorts.next();

  /** The server app's main class. */
  abstract Class<?> app();

  /** The server JVM's class path. */
  abstract String classPath();

  @BeforeAll
  void start() throws Exception {
    etcd = EtcdServer.started();
    SkeinCli skein = new SkeinCli(etcd.endpoint());
    Path ca = Files.createTempDirectory("skein-mtls-ca");
    Files.delete(ca); // skein ca init creates it
    skein.run("ca", "init", "--dir", ca.toString());
    controlPlane =
        MeshJvm.builder("control-plane").withoutAgent().classPath(skein.jarPath())
            .start("dev.skein.server.Main", "--etcd", etcd.endpoint(), "control-plane", "--ca-dir", ca.toString());
    server =
        MeshJvm.builder(app().getSimpleName())
            .property("skein.service", "orders")
            .property("skein.etcd.endpoints", etcd.endpoint())
            .property("skein.admin.port", Integer.toString(adminPort))
            .env("ECHO_VERSION", "v1")
            .classPath(classPath())
            .start(app().getName());
    front =
        MeshJvm.builder("front")
            .property("skein.service", "front")
            .property("skein.etcd.endpoints", etcd.endpoint())
            .start("dev.skein.it.apps.mtls.MeshCaller");
    port = Integer.parseInt(server.awaitLineStartingWith("listening", Duration.ofSeconds(40)).split(" ")[1]);
    front.awaitLineStartingWith("ready", Duration.ofSeconds(40));
    // Both hold a certificate, and the server registered that it takes the mesh's TLS.
    await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(200)).until(() ->
        List.of(server, front).stream().allMatch(j -> j.agentLog().contains("workload certificate"))
            && etcd.getPrefix("/skein/endpoints/default/orders/").contains("\"tls\":true"));
  }

  @AfterAll
  void stop() throws Exception {
    for (AutoCloseable c : new AutoCloseable[] {front, server, controlPlane, etcd}) {
      if (c != null) {
        c.close();
      }
    }
  }

  @Test
  @Order(1)
  void theClientsSpiffeIdFromMeshTlsDecidesAPrincipalPolicy() throws Exception {
    assertThat(call()).contains("ok=5 failed=0").contains("{v1=5}");
    assertThat(curlStatus()).as("PERMISSIVE: plain text from outside the mesh is served").isEqualTo("200");
    String policy = """
        kind: AuthorizationPolicy
        metadata: {name: orders-principals}
        spec:
          selector: {service: orders}
          action: ALLOW
          rules: [{from: [{principals: ["%s"]}]}]
        """;
    try {
      etcd.put(AUTHZ, policy.formatted(FRONT_ID));
      await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
          assertThat(curlStatus()).as("plain text carries no principal").isEqualTo("403"));
      assertThat(call()).as("front's SPIFFE ID, from its mesh TLS certificate, is allowed").contains("ok=5 failed=0");
      etcd.put(AUTHZ, policy.formatted("spiffe://skein.local/ns/default/sa/somebody-else"));
      await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
          assertThat(call()).contains("ok=0 failed=5").contains("status_403"));
    } finally {
      etcd.delete(AUTHZ);
    }
  }

  @Test
  @Order(2)
  void strictRefusesPlainTextWhileMeshCallsGoOn() throws Exception {
    try {
      etcd.put(STRICT, """
          kind: PeerAuthentication
          metadata: {name: orders}
          spec:
            selector: {service: orders}
            mtls: {mode: STRICT}
          """);
      await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
          .until(() -> server.agentLog().contains("PeerAuthentication for orders: STRICT"));
      assertThat(curlStatus()).as("plain text is closed unanswered").isEqualTo("000");
      assertThat(call()).contains("ok=5 failed=0").contains("{v1=5}");
      assertThat(curl("http://127.0.0.1:" + adminPort + "/metrics")).containsPattern("skein_mtls_refused_total [1-9]");
    } finally {
      etcd.delete(STRICT);
    }
  }

  private String call() throws Exception {
    front.send("send 5 http://orders/api/items");
    return front.awaitLineStartingWith("result", Duration.ofSeconds(30));
  }

  /** The HTTP status a plain-text curl gets from the server, {@code 000} when none. */
  private String curlStatus() throws Exception {
    return curl("-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:" + port + "/api/items");
  }

  private static String curl(String... args) throws IOException, InterruptedException {
    List<String> command = new java.util.ArrayList<>(List.of("curl", "-s", "--max-time", "5"));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(10, TimeUnit.SECONDS)) {
      p.destroyForcibly();
    }
    return out.strip();
  }
}
