package dev.skein.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.skein.it.support.EtcdServer;
import dev.skein.it.support.FreePorts;
import dev.skein.it.support.MeshJvm;
import dev.skein.server.ca.Pem;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Automatic mutual TLS on the wire, end to end: real etcd, a real control plane signing 20-second
 * certificates, and two JVMs under the agent with no TLS code of their own: {@code front} (a
 * {@code java.net.http} client calling {@code http://orders/}) and {@code orders} (a JDK
 * {@code HttpServer} answering the SPIFFE ID it sees through {@code HttpsExchange.getSSLSession()}).
 * One set of processes serves every case, in order.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MtlsIT {
    private static final String FRONT_ID = "spiffe://skein.local/ns/default/sa/front";
    private static final String CALLER_ID = "spiffe://skein.local/ns/default/sa/caller";
    private static final String LIBS_ID = "spiffe://skein.local/ns/default/sa/libs";
    // Namespace-wide: applies to orders (JDK HttpServer) and greeter (gRPC) alike.
    private static final String STRICT_KEY = "/skein/policies/default/PeerAuthentication/default";

    private Path dir;
    private EtcdServer etcd;
    private Process controlPlane;
    private MeshJvm orders;
    private MeshJvm front;
    private int ordersPort;
    private final int ordersAdmin = FreePorts.next();
    private final int frontAdmin = FreePorts.next();
    private final int dashboardPort = FreePorts.next();
    private MeshJvm greeter;
    private MeshJvm caller;
    private MeshJvm libs;
    private int greeterPort;

    @BeforeAll
    void start() throws Exception {
        dir = Files.createTempDirectory("skein-mtls");
        etcd = EtcdServer.started();
        Cli.Result init = new Cli(etcd.endpoint()).run("ca", "init", "--dir", dir.resolve("ca").toString());
        assertThat(init.code()).as(init.toString()).isZero();
        controlPlane = controlPlane(dir.resolve("ca"), "cp.log", "--dashboard-port", String.valueOf(dashboardPort));
        orders = MeshJvm.builder("orders")
                .property("skein.service", "orders")
                .property("skein.admin.port", String.valueOf(ordersAdmin))
                .property("skein.etcd.endpoints", etcd.endpoint())
                .start("dev.skein.it.apps.mtls.PeerEchoServer");
        ordersPort = Integer.parseInt(orders.awaitLineStartingWith("listening", Duration.ofSeconds(60)).split(" ")[1]);
        front = MeshJvm.builder("front")
                .property("skein.service", "front")
                .property("skein.admin.port", String.valueOf(frontAdmin))
                .property("skein.etcd.endpoints", etcd.endpoint())
                .start("dev.skein.it.apps.mtls.MeshCaller");
        front.awaitLineStartingWith("ready", Duration.ofSeconds(60));
        greeter = MeshJvm.builder("greeter")
                .property("skein.service", "greeter").property("skein.advertise.address", "127.0.0.1")
                .property("skein.etcd.endpoints", etcd.endpoint())
                .start("dev.skein.it.apps.mtls.PeerGrpcServer");
        greeterPort = Integer.parseInt(greeter.awaitLineStartingWith("listening", Duration.ofSeconds(60)).split(" ")[1]);
        caller = MeshJvm.builder("caller")
                .property("skein.service", "caller")
                .property("skein.etcd.endpoints", etcd.endpoint())
                .start("dev.skein.it.apps.mtls.GrpcCaller");
        caller.awaitLineStartingWith("ready", Duration.ofSeconds(60));
        // All hold a certificate, and both servers registered that they take the mesh's TLS.
        await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(200)).until(() ->
                List.of(orders, front, greeter, caller).stream().allMatch(j -> j.agentLog().contains("workload certificate"))
                        && etcd.getPrefix("/skein/endpoints/default/orders/").contains("\"tls\":true")
                        && etcd.getPrefix("/skein/endpoints/default/greeter/").contains("\"tls\":true"));
    }

    @AfterAll
    void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {front, orders, caller, greeter, libs}) {
            if (c != null) {
                c.close();
            }
        }
        if (controlPlane != null) {
            controlPlane.destroy();
            controlPlane.waitFor(10, TimeUnit.SECONDS);
        }
        if (etcd != null) {
            etcd.close();
        }
    }

    @Test
    @Order(1)
    void meshCallsAreMutualTls13OnTheWireAndTheServerSeesTheClientsSpiffeId() throws Exception {
        // skein status shows which endpoints take the mesh's TLS.
        assertThat(new Cli(etcd.endpoint()).run("status").out()).containsPattern("orders +orders-\\d+-\\d+ +\\S+ +http\\+mtls");
        String direct = call("send 20 http://orders/");
        assertThat(direct).contains("ok=20 failed=0").contains("{TLSv1.3 " + FRONT_ID + "=20}");
        // The mesh's cipher suites put AES-128-GCM first, and the server's order decides.
        orders.send("stats");
        assertThat(orders.awaitLineStartingWith("stats ", Duration.ofSeconds(10))).contains("suites={TLS_AES_128_GCM_SHA256=");
        // Certificate health on the admin endpoint.
        assertThat(run("curl", "-s", "--max-time", "5", "http://127.0.0.1:" + ordersAdmin + "/metrics").out())
                .containsPattern("skein_certificate_expiry_seconds\\{spiffe_id=\"spiffe://skein.local/ns/default/sa/orders\"} \\d+")
                .contains("skein_trust_anchor_expiry_seconds{subject=");

        // A recording forwarder registered as one more endpoint of orders: what crosses it is the wire.
        try (Recorder recorder = new Recorder(ordersPort)) {
            String key = "/skein/endpoints/default/orders/via-recorder";
            etcd.put(key, "{\"address\":\"127.0.0.1\",\"port\":" + recorder.port + ",\"protocol\":\"http\",\"tls\":true}");
            try {
                await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).until(() -> {
                    String r = call("send 10 http://orders/");
                    assertThat(r).contains("failed=0");
                    return !recorder.firstBytes.isEmpty();
                });
                byte[] first = recorder.firstBytes.get(0);
                assertThat(first[0]).as("first byte of the connection: a TLS handshake record").isEqualTo((byte) 0x16);
                assertThat(recorder.firstBytes).allSatisfy(b -> assertThat(b[0]).isEqualTo((byte) 0x16));
                assertThat(new String(recorder.allBytes(), StandardCharsets.ISO_8859_1)).doesNotContain("GET /", "HTTP/1.1");
            } finally {
                etcd.delete(key);
            }
        }
    }

    @Test
    @Order(2)
    void okHttpCallsAreMutualTlsToo() throws Exception {
        try (MeshJvm okfront = MeshJvm.builder("okfront")
                .property("skein.service", "okfront")
                .property("skein.etcd.endpoints", etcd.endpoint())
                .start("dev.skein.it.apps.mtls.OkHttpCaller")) {
            okfront.awaitLineStartingWith("ready", Duration.ofSeconds(60));
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                    .until(() -> okfront.agentLog().contains("workload certificate"));
            okfront.send("send 10 http://orders/");
            assertThat(okfront.awaitLineStartingWith("result", Duration.ofSeconds(30)))
                    .contains("ok=10 failed=0").contains("{TLSv1.3 spiffe://skein.local/ns/default/sa/okfront=10}");
        }
    }

    /** Apache HttpClient 5, classic and async, in one JVM started on first use. */
    @ParameterizedTest
    @ValueSource(strings = {"apache", "apache-async"})
    @Order(2)
    void otherClientLibrariesCallsAreMutualTlsToo(String library) throws Exception {
        assertThat(libraries("send 10 http://orders/ " + library))
                .contains("ok=10 failed=0").contains("{TLSv1.3 " + LIBS_ID + "=10}");
    }

    private String libraries(String command) throws Exception {
        if (libs == null) {
            libs = MeshJvm.builder("libs")
                    .property("skein.service", "libs")
                    .property("skein.etcd.endpoints", etcd.endpoint())
                    .start("dev.skein.it.apps.mtls.ApacheCaller");
            libs.awaitLineStartingWith("ready", Duration.ofSeconds(60));
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                    .until(() -> libs.agentLog().contains("workload certificate"));
        }
        libs.send(command);
        return libs.awaitLineStartingWith("result", Duration.ofSeconds(30));
    }

    @Test
    @Order(2)
    void grpcCallsAreMutualTls13OnTheWireAndTheServiceSeesTheCallersSpiffeId() throws Exception {
        // The caller's first gRPC call loads gRPC, Netty and the TLS stack: at load 10 (CI's two
        // streams) it once spent 2.3 s starting and timed out connecting at its 5-s deadline.
        // That start-up cost is measured by the benchmark; this test checks what goes on the wire.
        grpc("send 1 greeter");
        assertThat(grpc("send 20 greeter")).contains("ok=20 failed=0").contains("{TLSv1.3 " + CALLER_ID + "=20}");
        try (Recorder recorder = new Recorder(greeterPort)) {
            String key = "/skein/endpoints/default/greeter/via-recorder";
            etcd.put(key, "{\"address\":\"127.0.0.1\",\"port\":" + recorder.port + ",\"protocol\":\"grpc\",\"tls\":true}");
            try {
                await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).until(() -> {
                    assertThat(grpc("send 10 greeter")).contains("failed=0");
                    return !recorder.firstBytes.isEmpty();
                });
                assertThat(recorder.firstBytes).allSatisfy(b -> assertThat(b[0]).isEqualTo((byte) 0x16));
                // The HTTP/2 connection preface never crosses the wire in clear.
                assertThat(new String(recorder.allBytes(), StandardCharsets.ISO_8859_1)).doesNotContain("PRI * HTTP/2.0", "Greet");
            } finally {
                etcd.delete(key);
            }
        }
    }

    @Test
    @Order(2)
    void authorizationPolicyMatchesThePeersSpiffeIdFromMeshTls() throws Exception {
        String key = "/skein/policies/default/AuthorizationPolicy/mesh-principals";
        String policy = """
                kind: AuthorizationPolicy
                metadata: {name: mesh-principals}
                spec:
                  action: ALLOW
                  rules: [{from: [{principals: [%s]}]}]
                """;
        String callers = "\"" + FRONT_ID + "\", \"" + CALLER_ID + "\"";
        try {
            // Namespace-wide, so for orders (JDK HttpServer) and greeter (gRPC) alike: only another identity may call.
            etcd.put(key, policy.formatted("\"spiffe://skein.local/ns/default/sa/somebody-else\""));
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
                    assertThat(call("send 5 http://orders/")).contains("ok=0 failed=5").contains("status_403"));
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
                    assertThat(grpc("send 5 greeter")).contains("ok=0 failed=5").contains("PERMISSION_DENIED"));
            // The callers' own SPIFFE IDs, proven by their mesh certificates.
            etcd.put(key, policy.formatted(callers));
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
                    assertThat(call("send 5 http://orders/")).contains("ok=5 failed=0"));
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
                    assertThat(grpc("send 5 greeter")).contains("ok=5 failed=0"));
            // Plain text (PERMISSIVE lets it in) carries no identity: denied.
            assertThat(run("curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "5",
                    "http://127.0.0.1:" + ordersPort + "/").out()).isEqualTo("403");
        } finally {
            etcd.delete(key);
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
                    assertThat(run("curl", "-s", "--max-time", "5", "http://127.0.0.1:" + ordersPort + "/").out()).isEqualTo("plaintext"));
        }
    }

    @Test
    @Order(3)
    void permissiveAcceptsPlaintextOnTheSamePortButNoForeignCertificate() throws Exception {
        assertThat(run("curl", "-s", "--max-time", "5", "http://127.0.0.1:" + ordersPort + "/").out()).isEqualTo("plaintext");
        foreignCertificate();
        Cli.Result foreign = run("curl", "-sk", "--max-time", "5", "--cert", dir.resolve("foreign.crt").toString(),
                "--key", dir.resolve("foreign.key").toString(), "https://127.0.0.1:" + ordersPort + "/");
        assertThat(foreign.out()).doesNotContain("plaintext", "spiffe");
        assertThat(foreign.code()).isNotZero();
        // gRPC: plain HTTP/2 reaches the server (it answers, with a gRPC error).
        assertThat(run("curl", "-s", "-o", "/dev/null", "--max-time", "5", "--http2-prior-knowledge",
                "http://127.0.0.1:" + greeterPort + "/").code()).isZero();
    }

    @Test
    @Order(4)
    void strictRefusesPlaintextAndCertificatesOfAnotherCa() throws Exception {
        etcd.put(STRICT_KEY, """
                apiVersion: skein.dev/v1
                kind: PeerAuthentication
                metadata: {name: default, namespace: default}
                spec:
                  mtls: {mode: STRICT}
                """);
        try {
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                    .until(() -> orders.agentLog().contains("PeerAuthentication for orders: STRICT")
                            && greeter.agentLog().contains("PeerAuthentication for greeter: STRICT"));
            Cli.Result h2 = run("curl", "-s", "-o", "/dev/null", "--max-time", "5", "--http2-prior-knowledge",
                    "http://127.0.0.1:" + greeterPort + "/");
            assertThat(h2.code()).as("plaintext HTTP/2 to the gRPC server under STRICT").isNotZero();
            Cli.Result grpcForeign = Cli.process(new ProcessBuilder("bash", "-c",
                    "printf 'x' | timeout 10 openssl s_client -quiet -connect 127.0.0.1:" + greeterPort
                            + " -tls1_3 -alpn h2 -cert " + dir.resolve("foreign.crt") + " -key " + dir.resolve("foreign.key")
                            + "; echo exit=$?"), 20);
            assertThat(grpcForeign.err() + grpcForeign.out()).containsIgnoringCase("alert");
            assertThat(grpc("send 10 greeter")).contains("ok=10 failed=0").contains("{TLSv1.3 " + CALLER_ID + "=10}");
            Cli.Result plain = run("curl", "-s", "--max-time", "5", "http://127.0.0.1:" + ordersPort + "/");
            assertThat(plain.code()).as(plain.toString()).isNotZero();
            assertThat(plain.out()).isEmpty();
            foreignCertificate();
            Cli.Result curlForeign = run("curl", "-sk", "--max-time", "5", "--cert", dir.resolve("foreign.crt").toString(),
                    "--key", dir.resolve("foreign.key").toString(), "https://127.0.0.1:" + ordersPort + "/");
            assertThat(curlForeign.code()).as(curlForeign.toString()).isNotZero();
            assertThat(curlForeign.out()).isEmpty();
            Cli.Result sClient = Cli.process(new ProcessBuilder("bash", "-c",
                    "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | timeout 10 openssl s_client -quiet -connect 127.0.0.1:" + ordersPort
                            + " -tls1_3 -cert " + dir.resolve("foreign.crt") + " -key " + dir.resolve("foreign.key")), 20);
            assertThat(sClient.out()).doesNotContain("HTTP/1.", "spiffe");
            // The mesh client is unaffected.
            assertThat(call("send 20 http://orders/")).contains("ok=20 failed=0").contains("{TLSv1.3 " + FRONT_ID + "=20}");
            // A client started now has no certificate for its first request: that request waits
            // for the certificate rather than go out in plain text and be refused.
            Path cache = dir.resolve("late-front-cache");
            try (MeshJvm late = MeshJvm.builder("late-front").property("skein.service", "front")
                    .property("skein.etcd.endpoints", etcd.endpoint())
                    .property("skein.cache.dir", cache.toString())
                    .start("dev.skein.it.apps.FirstRequest", "http://orders/")) {
                assertThat(late.awaitLineStartingWith("first-response", Duration.ofSeconds(30)))
                        .as("first request of a client started under STRICT").startsWith("first-response 200")
                        .contains(FRONT_ID);
            }
            // Restarted with its cache, it asks for its certificate before reading its first snapshot.
            await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(cache.resolve("certificate-expected")));
            try (MeshJvm restarted = MeshJvm.builder("restarted-front").property("skein.service", "front")
                    .property("skein.etcd.endpoints", etcd.endpoint())
                    .property("skein.cache.dir", cache.toString())
                    .property("skein.log.level", "debug")
                    .start("dev.skein.it.apps.FirstRequest", "http://orders/")) {
                assertThat(restarted.awaitLineStartingWith("first-response", Duration.ofSeconds(30)))
                        .as("first request of a restarted client under STRICT").startsWith("first-response 200")
                        .contains(FRONT_ID);
                await().atMost(Duration.ofSeconds(5)).until(() -> restarted.agentLog().contains("the last run needed a certificate"));
            }
            for (String library : List.of("apache", "apache-async")) {
                assertThat(libraries("send 5 http://orders/ " + library)).as(library)
                        .contains("ok=5 failed=0").contains("{TLSv1.3 " + LIBS_ID + "=5}");
            }
        } finally {
            etcd.delete(STRICT_KEY);
        }
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                .until(() -> orders.agentLog().contains("PeerAuthentication for orders: PERMISSIVE"));
        assertThat(run("curl", "-s", "--max-time", "5", "http://127.0.0.1:" + ordersPort + "/").out()).isEqualTo("plaintext");
    }

    /**
     * The dashboard's mTLS state of an edge is what its requests negotiated, not what the policy
     * says: under PERMISSIVE, front's calls with mesh TLS turned off by its DestinationPolicy show
     * as plain text; with it on again and orders STRICT, as mutual TLS. Counted by orders' servers
     * ({@code skein_inbound_requests_total}, with front's SPIFFE ID).
     */
    /** Clients send to orders in plain text (DestinationPolicy {@code tls.mode: DISABLE}). */
    private static final String ORDERS_TLS_OFF = """
            apiVersion: skein.dev/v1
            kind: DestinationPolicy
            metadata: {name: orders, namespace: default}
            spec:
              host: orders
              tls: {mode: DISABLE}
            """;

    @Test
    @Order(5)
    void dashboardShowsTheMtlsAnEdgeNegotiatedNotThePolicy() throws Exception {
        String destinationPolicy = "/skein/policies/default/DestinationPolicy/orders";
        String peerAuthentication = "/skein/policies/default/PeerAuthentication/orders";
        etcd.put(destinationPolicy, ORDERS_TLS_OFF);
        try {
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                    .until(() -> call("send 3 http://orders/").contains("{plaintext=3}"));
            awaitEdge("plaintext", "PERMISSIVE");
            assertThat(run("curl", "-s", "--max-time", "5", "http://127.0.0.1:" + ordersAdmin + "/metrics").out())
                    .containsPattern("skein_inbound_requests_total\\{[^}]*connection_security_policy=\"none\"[^}]*} \\d+");

            etcd.delete(destinationPolicy);
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                    .until(() -> call("send 3 http://orders/").contains("{TLSv1.3 " + FRONT_ID + "=3}"));
            etcd.put(peerAuthentication, """
                    apiVersion: skein.dev/v1
                    kind: PeerAuthentication
                    metadata: {name: orders, namespace: default}
                    spec:
                      selector: {service: orders}
                      mtls: {mode: STRICT}
                    """);
            awaitEdge("mTLS", "STRICT");
            assertThat(run("curl", "-s", "--max-time", "5", "http://127.0.0.1:" + ordersAdmin + "/metrics").out())
                    .containsPattern("skein_inbound_requests_total\\{[^}]*connection_security_policy=\"mutual_tls\"[^}]*"
                            + "source_principal=\"" + FRONT_ID + "\"} \\d+");
        } finally {
            etcd.delete(destinationPolicy);
            etcd.delete(peerAuthentication);
        }
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
                assertThat(run("curl", "-s", "--max-time", "5", "http://127.0.0.1:" + ordersPort + "/").out()).isEqualTo("plaintext"));
    }

    /** Sends front's calls until the dashboard shows front→orders in this state under this policy. */
    private void awaitEdge(String mtls, String policy) throws Exception {
        List<String> seen = new ArrayList<>();
        try {
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> {
                assertThat(call("send 10 http://orders/")).contains("failed=0");
                com.fasterxml.jackson.databind.JsonNode graph = new com.fasterxml.jackson.databind.ObjectMapper().readTree(
                        run("curl", "-s", "--max-time", "5", "http://127.0.0.1:" + dashboardPort + "/api/graph").out());
                for (com.fasterxml.jackson.databind.JsonNode e : graph.path("edges")) {
                    if (e.path("source").asText().equals("front") && e.path("destination").asText().equals("orders")) {
                        seen.add(e.path("mtls").asText() + "/" + e.path("mtlsPolicy").asText());
                        return e.path("mtls").asText().equals(mtls) && e.path("mtlsPolicy").asText().equals(policy);
                    }
                }
                return false;
            });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("front→orders never showed " + mtls + "/" + policy + "; seen " + seen, e);
        }
    }

    @Test
    @Order(6)
    void twentySecondCertificatesRenewUnderContinuousLoadWithNoFailedRequest() throws Exception {
        int before = count(orders.agentLog(), "workload certificate") + count(front.agentLog(), "workload certificate");
        // A new client (a new connection and handshake) every 20 requests, on two threads, for 24 s;
        // gRPC alike at the same time (a new channel every 20 calls).
        caller.send("load 24 2 20 greeter");
        String r = call("load 24 2 20 http://orders/", Duration.ofSeconds(60));
        String g = caller.awaitLineStartingWith("result", Duration.ofSeconds(60));
        System.out.println("renewal under load: HTTP " + r + "; gRPC " + g);
        assertThat(r).contains("failed=0");
        assertThat(ok(r)).isGreaterThan(200);
        assertThat(g).contains("failed=0").contains(CALLER_ID);
        assertThat(ok(g)).isGreaterThan(200);
        int after = count(orders.agentLog(), "workload certificate") + count(front.agentLog(), "workload certificate");
        assertThat(after - before).as("renewals during the load").isGreaterThanOrEqualTo(2);
    }

    @Test
    @Order(7)
    void aNewRootBesideTheOldRollsOutWithoutRestart() throws Exception {
        long ordersPid = orders.pid();
        front.send("load 26 2 20 http://orders/");
        caller.send("load 26 2 20 greeter");
        // The operator adds a new root beside the old, then moves signing to it.
        Cli.Result init = new Cli(etcd.endpoint()).run("ca", "init", "--dir", dir.resolve("ca2").toString());
        assertThat(init.code()).as(init.toString()).isZero();
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100)).until(() ->
                orders.agentLog().contains("2 root(s)") && front.agentLog().contains("2 root(s)"));
        // The new replica starts beside the old one and takes over when it stops: 20-second
        // certificates must not expire in the hand-over.
        Process next = controlPlane(dir.resolve("ca2"), "cp2.log");
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .until(() -> Files.exists(dir.resolve("cp2.log")) && Files.readString(dir.resolve("cp2.log")).contains("campaigning"));
        controlPlane.destroy();
        controlPlane.waitFor(10, TimeUnit.SECONDS);
        controlPlane = next;
        X509Certificate newRoot = Pem.certificates(Files.readString(dir.resolve("ca2").resolve("ca.crt"))).get(0);
        String r = front.awaitLineStartingWith("result", Duration.ofSeconds(60));
        String g = caller.awaitLineStartingWith("result", Duration.ofSeconds(60));
        System.out.println("root rotation under load: HTTP " + r + "; gRPC " + g);
        assertThat(r).contains("failed=0");
        assertThat(g).contains("failed=0").contains(CALLER_ID);
        // Both workloads now hold certificates of the new root, in the same processes.
        for (String svc : List.of("orders", "front", "greeter", "caller")) {
            // A leaf of the old root fails verify() with an exception, not an assertion: keep polling.
            await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200)).ignoreExceptions().untilAsserted(() -> {
                String pem = etcd.getPrefix("/skein/certs/default/" + svc + "/");
                X509Certificate leaf = Pem.certificates(pem.substring(pem.indexOf("-----BEGIN"))).get(0);
                leaf.verify(newRoot.getPublicKey());
            });
        }
        assertThat(orders.pid()).isEqualTo(ordersPid);
        assertThat(call("send 10 http://orders/")).contains("ok=10 failed=0").contains("{TLSv1.3 " + FRONT_ID + "=10}");
    }

    /**
     * The CPU cost of mutual TLS (see {@link MtlsBench}): mesh mTLS on versus off, interleaved in one
     * run; with {@code -Dskein.mtls.bench.baselines=true} also the same apps without the agent, in
     * plain text and doing TLS 1.3 themselves. Printed and written to {@code target/mtls-bench.md};
     * numbers, not asserts. {@code -Dskein.mtls.bench.jfr=true} records the last round of each mode
     * with JFR (client and server) into {@code target/mtls-jfr/}.
     */
    @Test
    @Order(8)
    void benchmarkMtlsOnVersusOff() throws Exception {
        // The suite runs one short round of on/off (it checks that the bench works); README's table is the full run.
        int seconds = Integer.getInteger("skein.mtls.bench.seconds", 2);
        int rounds = Integer.getInteger("skein.mtls.bench.rounds", 1);
        Path jfr = Boolean.getBoolean("skein.mtls.bench.jfr") ? Files.createDirectories(Path.of("target", "mtls-jfr")) : null;
        String table = new MtlsBench(etcd, front, orders, dir, ORDERS_TLS_OFF, FRONT_ID)
                .run(seconds, rounds, Boolean.getBoolean("skein.mtls.bench.baselines"), jfr);
        System.out.println(table);
        Files.createDirectories(Path.of("target"));
        Files.writeString(Path.of("target", "mtls-bench.md"), table);
    }

    // --- helpers

    private String call(String command) throws Exception {
        return call(command, Duration.ofSeconds(30));
    }

    private String grpc(String command) throws Exception {
        caller.send(command);
        return caller.awaitLineStartingWith("result", Duration.ofSeconds(30));
    }

    private String call(String command, Duration timeout) throws Exception {
        front.send(command);
        return front.awaitLineStartingWith("result", timeout);
    }

    private static int ok(String result) {
        Matcher m = Pattern.compile("ok=(\\d+)").matcher(result);
        return m.find() ? Integer.parseInt(m.group(1)) : -1;
    }

    private static int count(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }

    private Process controlPlane(Path caDir, String logName, String... more) throws IOException {
        List<String> command = new ArrayList<>(List.of(Cli.java(), "-jar", Cli.jarPath().toString(), "control-plane",
                "--etcd", etcd.endpoint(), "--lease-ttl", "5", "--ca-dir", caDir.toString(), "--cert-ttl", "20s"));
        command.addAll(List.of(more));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dir.resolve(logName).toFile()).start();
    }

    /** A self-signed certificate claiming front's SPIFFE ID: right name, wrong CA. */
    private void foreignCertificate() throws Exception {
        if (Files.exists(dir.resolve("foreign.crt"))) {
            return;
        }
        Cli.Result r = run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", dir.resolve("foreign.key").toString(), "-out", dir.resolve("foreign.crt").toString(),
                "-subj", "/CN=foreign", "-days", "1", "-addext", "subjectAltName=URI:" + FRONT_ID);
        assertThat(r.code()).as(r.toString()).isZero();
    }

    private static Cli.Result run(String... command) throws Exception {
        return Cli.process(new ProcessBuilder(command), 20);
    }

    /** A loopback TCP forwarder that keeps every byte the client sent. */
    private static final class Recorder implements AutoCloseable {
        final int port = FreePorts.next();
        final List<byte[]> firstBytes = new CopyOnWriteArrayList<>();
        final List<byte[]> chunks = new CopyOnWriteArrayList<>();
        private final ServerSocket server;

        Recorder(int target) throws IOException {
            server = new ServerSocket();
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 50);
            daemon(() -> {
                try {
                    while (true) {
                        Socket in = server.accept();
                        Socket out = new Socket(InetAddress.getLoopbackAddress(), target);
                        daemon(() -> pipe(in, out, true));
                        daemon(() -> pipe(out, in, false));
                    }
                } catch (IOException e) {
                    // closed
                }
            });
        }

        private void pipe(Socket from, Socket to, boolean record) {
            byte[] buf = new byte[16384];
            boolean first = true;
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                for (int n; (n = in.read(buf)) > 0; ) {
                    if (record) {
                        byte[] copy = java.util.Arrays.copyOf(buf, n);
                        if (first) {
                            firstBytes.add(copy);
                            first = false;
                        }
                        chunks.add(copy);
                    }
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // closed
            } finally {
                try {
                    from.close();
                    to.close();
                } catch (IOException ignored) {
                    // closing
                }
            }
        }

        byte[] allBytes() {
            java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
            chunks.forEach(all::writeBytes);
            return all.toByteArray();
        }

        private static void daemon(Runnable r) {
            Thread t = new Thread(r);
            t.setDaemon(true);
            t.start();
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }
}
