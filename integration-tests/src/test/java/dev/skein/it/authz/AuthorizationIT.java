package dev.skein.it.authz;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skein.it.apps.authz.AuthzServers;
import dev.skein.it.support.EtcdServer;
import dev.skein.it.support.FreePorts;
import dev.skein.it.support.MeshJvm;
import io.grpc.CallOptions;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.stub.ClientCalls;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * AuthorizationPolicy through real etcd on a JDK {@code HttpServer}/{@code HttpsServer} and gRPC
 * servers (plaintext and TLS) in one JVM with the agent: path and method rules, DENY beating ALLOW,
 * principals from the client certificate (an application-configured TLS with certificates carrying
 * SPIFFE IDs), AUDIT counting without denying, a change taking effect within a second of
 * {@code etcdctl put}, and fail-closed when the engine faults. This test JVM is the client.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AuthorizationIT {
  static final String PREFIX = "/skein/policies/default/AuthorizationPolicy/";
  static final String FRONTEND = "spiffe://skein.local/ns/default/sa/frontend";
  private EtcdServer etcd;
  private MeshJvm orders;
  private MeshJvm faulty;
  private TestCertificates certs;
  private int adminPort;
  private int[] ports;
  private int[] faultyPorts;
  private final HttpClient plain = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private HttpClient frontend;
  private HttpClient intruder;
  private HttpClient noCertificate;
  private final List<ManagedChannel> channels = new ArrayList<>();

  @BeforeAll
  void start() throws Exception {
    Path dir = Files.createTempDirectory("authz-certs");
    certs = TestCertificates.create(dir);
    certs.issue(
        "server=ip:127.0.0.1,uri:spiffe://skein.local/ns/default/sa/orders",
        "frontend=uri:" + FRONTEND,
        "intruder=uri:spiffe://skein.local/ns/default/sa/intruder");
    frontend = https("frontend");
    intruder = https("intruder");
    noCertificate = https(null);
    etcd = EtcdServer.started();
    adminPort = FreePorts.next();
    String[] appArgs = {certs.keyStore("server").toString(), certs.trustStore().toString()};
    orders =
        MeshJvm.builder("authz-orders")
            .property("skein.service", "orders")
            .property("skein.etcd.endpoints", etcd.endpoint())
            .property("skein.admin.port", Integer.toString(adminPort))
            .start(AuthzServers.class.getName(), appArgs);
    faulty =
        MeshJvm.builder("authz-faulty")
            .property("skein.service", "billing")
            .property("skein.etcd.endpoints", etcd.endpoint())
            .property("skein.test.fault", "inbound")
            .start(AuthzServers.class.getName(), appArgs);
    ports = ports(orders);
    faultyPorts = ports(faulty);
    for (MeshJvm jvm : new MeshJvm[] {orders, faulty}) {
      for (int i = 0; i < 100 && !jvm.agentLog().contains("policies from etcd"); i++) {
        Thread.sleep(100);
      }
    }
    // A probe policy through each agent's etcd watch: from then on a put reaches it at once.
    String probe = "/skein/policies/default/RateLimitPolicy/watch-probe";
    etcd.put(probe, "kind: RateLimitPolicy\nmetadata: {name: watch-probe}\nspec: {selector: {service: nobody}, requestsPerSecond: 1}\n");
    for (MeshJvm jvm : new MeshJvm[] {orders, faulty}) {
      for (int i = 0; i < 300 && !jvm.agentLog().contains("from etcd: 1 policies"); i++) {
        Thread.sleep(100);
      }
    }
    etcd.delete(probe);
  }

  private static int[] ports(MeshJvm jvm) throws Exception {
    String[] words = jvm.awaitLineStartingWith("listening", Duration.ofSeconds(60)).split(" ");
    return new int[] {Integer.parseInt(words[1]), Integer.parseInt(words[2]), Integer.parseInt(words[3]), Integer.parseInt(words[4])};
  }

  @AfterAll
  void stop() throws Exception {
    channels.forEach(ManagedChannel::shutdownNow);
    for (AutoCloseable c : new AutoCloseable[] {orders, faulty, etcd}) {
      if (c != null) {
        c.close();
      }
    }
  }

  @BeforeEach
  void noPolicies() throws Exception {
    etcd.ctl(Duration.ofSeconds(10), "del", "--prefix", PREFIX);
    await("no authorization policy in force", () -> authorization().startsWith("{\"allow\":[],\"deny\":[],\"audit\":[]"));
  }

  @Test
  void allowsByPathAndMethodAndAppliesAChangeWithinOneSecond() throws Exception {
    assertThat(status(plain, "POST", "/api/items")).isEqualTo(200);
    etcd.put(
        PREFIX + "orders-allow",
        """
        kind: AuthorizationPolicy
        metadata: {name: orders-allow}
        spec:
          selector: {service: orders}
          action: ALLOW
          rules:
            - to: [{methods: [GET], paths: ["/api/*"]}]
            - to: [{paths: ["/orders.Orders/Get"]}]
        """);
    long put = System.nanoTime();
    while (status(plain, "POST", "/api/items") != 403 && System.nanoTime() - put < 5_000_000_000L) {
      Thread.sleep(10);
    }
    long millis = (System.nanoTime() - put) / 1_000_000;
    System.out.printf("authorization change in force %d ms after etcdctl put returned%n", millis);
    assertThat(millis).as("from etcdctl put to the first 403").isLessThan(1000);

    assertThat(status(plain, "GET", "/api/items")).isEqualTo(200);
    assertThat(status(plain, "GET", "/admin")).isEqualTo(403);
    HttpResponse<String> refused = send(plain, "http", ports[0], "DELETE", "/api/items");
    assertThat(refused.statusCode()).isEqualTo(403);
    assertThat(refused.headers().firstValue("x-skein-refused")).hasValue("denied");
    assertThat(grpc(plaintext(ports[2]), "Get")).isEqualTo("OK");
    assertThat(grpc(plaintext(ports[2]), "Delete")).isEqualTo("PERMISSION_DENIED");
    assertThat(configDump()).contains("orders-allow");
  }

  @Test
  void denyBeatsAllow() throws Exception {
    etcd.put(
        PREFIX + "orders-allow",
        """
        kind: AuthorizationPolicy
        metadata: {name: orders-allow}
        spec:
          action: ALLOW
          rules: [{to: [{paths: ["*"]}]}]
        """);
    etcd.put(
        PREFIX + "orders-deny",
        """
        kind: AuthorizationPolicy
        metadata: {name: orders-deny}
        spec:
          selector: {service: orders}
          action: DENY
          rules:
            - to: [{paths: ["/api/secret", "/orders.Orders/Delete"]}]
        """);
    await("the DENY policy in force", () -> authorization().contains("\"deny\":[\"orders-deny\"]"));
    assertThat(status(plain, "GET", "/api/secret")).isEqualTo(403);
    assertThat(status(plain, "GET", "/api/items")).isEqualTo(200);
    assertThat(grpc(plaintext(ports[2]), "Get")).isEqualTo("OK");
    assertThat(grpc(plaintext(ports[2]), "Delete")).isEqualTo("PERMISSION_DENIED");
  }

  @Test
  void allowsByThePeersSpiffeIdFromItsCertificate() throws Exception {
    etcd.put(
        PREFIX + "orders-from-frontend",
        """
        kind: AuthorizationPolicy
        metadata: {name: orders-from-frontend}
        spec:
          selector: {service: orders}
          action: ALLOW
          rules:
            - from: [{principals: ["%s"]}]
        """.formatted(FRONTEND));
    await("the principal policy in force", () -> authorization().contains("orders-from-frontend"));
    assertThat(send(frontend, "https", ports[1], "GET", "/api/items").statusCode()).as("frontend's certificate").isEqualTo(200);
    assertThat(send(intruder, "https", ports[1], "GET", "/api/items").statusCode()).as("another SPIFFE ID").isEqualTo(403);
    assertThat(send(noCertificate, "https", ports[1], "GET", "/api/items").statusCode()).as("TLS, no client certificate").isEqualTo(403);
    assertThat(status(plain, "GET", "/api/items")).as("plaintext").isEqualTo(403);
    assertThat(grpc(tls(ports[3], "frontend"), "Get")).isEqualTo("OK");
    assertThat(grpc(tls(ports[3], "intruder"), "Get")).isEqualTo("PERMISSION_DENIED");
    assertThat(grpc(tls(ports[3], null), "Get")).isEqualTo("PERMISSION_DENIED");
    assertThat(grpc(plaintext(ports[2]), "Get")).isEqualTo("PERMISSION_DENIED");
  }

  @Test
  void auditCountsWhatItWouldDenyAndDeniesNothing() throws Exception {
    etcd.put(
        PREFIX + "orders-audit",
        """
        kind: AuthorizationPolicy
        metadata: {name: orders-audit}
        spec:
          selector: {service: orders}
          action: AUDIT
          rules:
            - to: [{paths: ["/api/*", "/orders.Orders/Delete"]}]
        """);
    await("the AUDIT policy in force", () -> authorization().contains("\"audit\":[\"orders-audit\"]"));
    long before = audited();
    for (int i = 0; i < 5; i++) {
      assertThat(status(plain, "GET", "/api/items")).isEqualTo(200);
    }
    assertThat(status(plain, "GET", "/other")).isEqualTo(200);
    assertThat(grpc(plaintext(ports[2]), "Delete")).isEqualTo("OK");
    assertThat(audited() - before).as(authorization()).isEqualTo(6);
    assertThat(orders.agentLog()).contains("authorization AUDIT: policy orders-audit would deny GET /api/items");
    await("skein_authz_audited in /metrics", () -> get(adminPort, "/metrics").contains("skein_authz_audited"));
  }

  @Test
  void failsClosedWhenTheEngineCannotDecide() throws Exception {
    // The faulty JVM's engine throws on every inbound decision. Without a policy, requests pass
    // (an agent fault never breaks the application)...
    assertThat(send(plain, "http", faultyPorts[0], "GET", "/api/items").statusCode()).isEqualTo(200);
    assertThat(grpc(plaintext(faultyPorts[2]), "Get")).isEqualTo("OK");
    // ...but once an AuthorizationPolicy applies to it, a request that cannot be checked is denied.
    etcd.put(
        PREFIX + "billing-allow-all",
        """
        kind: AuthorizationPolicy
        metadata: {name: billing-allow-all}
        spec:
          selector: {service: billing}
          rules: [{to: [{paths: ["*"]}]}]
        """);
    await("the faulty JVM denies", () -> sendQuietly(faultyPorts[0]) == 403);
    assertThat(grpc(plaintext(faultyPorts[2]), "Get")).isEqualTo("PERMISSION_DENIED");
    assertThat(faulty.agentLog()).contains("agent fault in inbound");
  }

  // === helpers ===

  private HttpClient https(String name) throws Exception {
    return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(certs.client(name)).build();
  }

  private int status(HttpClient client, String method, String path) throws Exception {
    return send(client, "http", ports[0], method, path).statusCode();
  }

  private int sendQuietly(int port) {
    try {
      return send(plain, "http", port, "GET", "/api/items").statusCode();
    } catch (Exception e) {
      return -1;
    }
  }

  private static HttpResponse<String> send(HttpClient client, String scheme, int port, String method, String path) throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(scheme + "://127.0.0.1:" + port + path))
            .method(method, HttpRequest.BodyPublishers.noBody())
            .timeout(Duration.ofSeconds(10))
            .build();
    return client.send(request, HttpResponse.BodyHandlers.ofString());
  }

  private ManagedChannel plaintext(int port) {
    return channel(port, InsecureChannelCredentials.create());
  }

  private ManagedChannel tls(int port, String name) throws Exception {
    TlsChannelCredentials.Builder b = TlsChannelCredentials.newBuilder().trustManager(certs.trustManagers().getTrustManagers());
    if (name != null) {
      b.keyManager(certs.keyManagers(name).getKeyManagers());
    }
    return channel(port, b.build());
  }

  private ManagedChannel channel(int port, ChannelCredentials credentials) {
    ManagedChannel channel = Grpc.newChannelBuilderForAddress("127.0.0.1", port, credentials).build();
    channels.add(channel);
    return channel;
  }

  /** The call's status code name, {@code OK} when it succeeded. */
  private static String grpc(ManagedChannel channel, String method) {
    try {
      ClientCalls.blockingUnaryCall(channel, AuthzServers.method(method), CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), "order");
      return "OK";
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode().name();
    }
  }

  private static String get(int port, String path) throws Exception {
    return send(HttpClient.newHttpClient(), "http", port, "GET", path).body();
  }

  private String configDump() throws Exception {
    return get(adminPort, "/config_dump");
  }

  /** The {@code authorization} object of {@code /config_dump}, without white space. */
  private String authorization() {
    try {
      String dump = configDump().replaceAll("\\s", "");
      int at = dump.indexOf("\"authorization\":");
      return at < 0 ? "" : dump.substring(at + "\"authorization\":".length());
    } catch (Exception e) {
      return "";
    }
  }

  private long audited() {
    Matcher m = Pattern.compile("\"audited\":(\\d+)").matcher(authorization());
    return m.find() ? Long.parseLong(m.group(1)) : -1;
  }

  private interface Check {
    boolean ok() throws Exception;
  }

  private static boolean quietly(Check check) {
    try {
      return check.ok();
    } catch (Exception e) {
      return false;
    }
  }

  private static void await(String what, Check condition) throws InterruptedException {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (!quietly(condition)) {
      assertThat(System.nanoTime()).as("waiting for " + what).isLessThan(deadline);
      Thread.sleep(20);
    }
  }
}
