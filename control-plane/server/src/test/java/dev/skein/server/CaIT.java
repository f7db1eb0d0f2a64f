package dev.skein.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.skein.it.support.EtcdServer;
import dev.skein.it.support.MeshJvm;
import dev.skein.it.support.Policies;
import dev.skein.it.support.TwoVersionMesh;
import dev.skein.server.ca.Pem;
import dev.skein.server.etcd.Etcd;
import dev.skein.server.etcd.EtcdSettings;
import io.etcd.jetcd.KeyValue;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The mesh CA end to end with real etcd, a real control plane ({@code java -jar skein.jar}) and
 * real agent JVMs: {@code skein ca init}, CSRs signed by the leader with the SPIFFE ID of the CSR's
 * key path, renewal at half life, the expiry in {@code skein status}, and attestation through
 * etcd's own users and roles.
 */
class CaIT {
    private static final String STRICT_ORDERS = "apiVersion: skein.dev/v1\nkind: PeerAuthentication\nmetadata: {name: orders}\nspec:\n"
            + "  selector: {service: orders}\n  mtls: {mode: STRICT}\n";

    @TempDir Path dir;
    private final List<Process> processes = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        Path log = dir.resolve("cp.log");
        if (Files.exists(log)) {
            System.out.println("--- control plane\n" + Files.readString(log));
        }
        for (Process p : processes) {
            p.destroy();
            p.waitFor();
        }
    }

    @Test
    void agentGetsItsSpiffeCertificateAndRenewsItBeforeExpiry() throws Exception {
        try (EtcdServer etcd = EtcdServer.started()) {
            Path caDir = dir.resolve("ca");
            Cli.Result init = new Cli(etcd.endpoint()).run("ca", "init", "--dir", caDir.toString());
            assertThat(init.code()).as(init.toString()).isZero();
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(caDir.resolve("ca.key")))).isEqualTo("rw-------");
            controlPlane(etcd, caDir, "20s");
            etcd.put("/skein/policies/default/PeerAuthentication/orders", STRICT_ORDERS);
            try (Etcd kv = Etcd.connect(settings(etcd, null, null));
                    MeshJvm agent = agent(etcd, "orders", null, null)) {
                List<X509Certificate> roots = Pem.certificates(text(kv.get("/skein/ca/bundle").orElseThrow()));
                assertThat(roots).hasSize(1);

                Set<String> serials = new LinkedHashSet<>();
                X509Certificate[] first = new X509Certificate[1];
                int[] gaps = new int[1];
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> {
                    Map<String, KeyValue> certs = kv.getPrefix("/skein/certs/default/orders/");
                    if (certs.isEmpty() && first[0] != null) {
                        gaps[0]++;
                    }
                    for (KeyValue c : certs.values()) {
                        X509Certificate leaf = Pem.certificates(text(c)).get(0);
                        if (first[0] == null) {
                            first[0] = leaf;
                        }
                        serials.add(leaf.getSerialNumber().toString(16));
                    }
                    return serials.size() >= 2;
                });
                X509Certificate leaf = first[0];
                leaf.verify(roots.get(0).getPublicKey());
                // The first certificate was requested beside the first read (a PeerAuthentication is in force),
                // and the lease it was requested under was adopted by the agent's keep-alive: the
                // certificate, written under that lease, stayed in etcd past the 4 s lease TTL.
                assertThat(agent.agentLog()).containsPattern("workload certificate spiffe://skein.local/ns/default/sa/orders .*\\(the first request's poll\\)");
                assertThat(gaps[0]).as("polls that found no certificate once one was issued").isZero();
                assertThat(uris(leaf)).containsExactly("spiffe://skein.local/ns/default/sa/orders");
                assertThat(Duration.between(leaf.getNotBefore().toInstant(), leaf.getNotAfter().toInstant()))
                        .isLessThanOrEqualTo(Duration.ofSeconds(26));
                // The second certificate came before the first one expired: renewal at half life.
                assertThat(Instant.now()).isBefore(leaf.getNotAfter().toInstant());
                // The CA key never reaches etcd.
                for (KeyValue any : kv.getPrefix("/").values()) {
                    assertThat(text(any)).doesNotContain("PRIVATE KEY");
                }
                assertThat(agent.agentLog()).contains("INSECURE DEVELOPMENT MODE", "workload certificate spiffe://skein.local/ns/default/sa/orders");

                await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(300)).untilAsserted(() ->
                        assertThat(new Cli(etcd.endpoint()).run("status").out())
                                .containsPattern("CERT-EXPIRY")
                                .containsPattern("orders-\\d+ .* \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ"));
            }
        }
    }

    @Test
    void anEtcdUserOfOneServiceCannotObtainAnotherServicesCertificate() throws Exception {
        try (EtcdServer etcd = EtcdServer.started()) {
            Duration t = Duration.ofSeconds(10);
            ok(etcd.ctl(t, "user", "add", "root:rootpw"));
            ok(etcd.ctl(t, "role", "add", "svc-default-orders"));
            ok(etcd.ctl(t, "role", "grant-permission", "svc-default-orders", "--prefix=true", "read", "/skein/"));
            ok(etcd.ctl(t, "role", "grant-permission", "svc-default-orders", "--prefix=true", "readwrite", "/skein/csr/default/orders/"));
            ok(etcd.ctl(t, "role", "grant-permission", "svc-default-orders", "--prefix=true", "readwrite", "/skein/endpoints/default/orders/"));
            ok(etcd.ctl(t, "role", "grant-permission", "svc-default-orders", "--prefix=true", "readwrite", "/skein/status/agents/default/orders/"));
            ok(etcd.ctl(t, "user", "add", "orders:orderspw"));
            ok(etcd.ctl(t, "user", "grant-role", "orders", "svc-default-orders"));
            // A PeerAuthentication: the agents send their first CSR right after their first read, as
            // the etcd user they were given.
            etcd.put("/skein/policies/default/PeerAuthentication/orders", STRICT_ORDERS);
            ok(etcd.ctl(t, "auth", "enable"));

            Path caDir = dir.resolve("ca");
            Cli.Result init = new Cli(etcd.endpoint()).run("ca", "init", "--dir", caDir.toString(), "--user", "root", "--password", "rootpw");
            assertThat(init.code()).as(init.toString()).isZero();
            controlPlane(etcd, caDir, "24h", "--user", "root", "--password", "rootpw");
            try (Etcd kv = Etcd.connect(settings(etcd, "root", "rootpw"));
                    MeshJvm impostor = agent(etcd, "payments", "orders", "orderspw");
                    MeshJvm orders = agent(etcd, "orders", "orders", "orderspw")) {
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                        .until(() -> !kv.getPrefix("/skein/certs/default/orders/").isEmpty());
                X509Certificate leaf = Pem.certificates(text(kv.getPrefix("/skein/certs/default/orders/").values().iterator().next())).get(0);
                assertThat(uris(leaf)).containsExactly("spiffe://skein.local/ns/default/sa/orders");
                // The agent logs to stderr, not stdout.
                await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
                        .until(() -> impostor.agentLog().contains("etcd refused this agent's certificate request"));
                assertThat(kv.getPrefix("/skein/csr/default/payments/")).isEmpty();
                assertThat(kv.getPrefix("/skein/certs/default/payments/")).isEmpty();
                assertThat(orders.agentLog()).doesNotContain("INSECURE DEVELOPMENT MODE");
                // The first request and certificate went out right after the first read, as the etcd user.
                assertThat(orders.agentLog())
                        .contains("requested a certificate at /skein/csr/default/orders/")
                        .containsPattern("workload certificate spiffe://skein.local/ns/default/sa/orders .*\\(the first request's poll\\)");
                assertThat(impostor.agentLog()).doesNotContain("(the first request's poll)");
                // etcd refuses a put under a lease to a user who may not write every key attached
                // to it: a certificate written under the agent's lease would make the agent's own
                // next writes there (its endpoint's "tls" flag) fail, and leave with that lease.
                // Past twice the 4-s lease TTL, the certificate and the TLS registration are there.
                long issuedAt = System.nanoTime();
                await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
                        .until(() -> kv.getPrefix("/skein/endpoints/default/orders/").values().stream().anyMatch(e -> text(e).contains("\"tls\":true")));
                while (System.nanoTime() - issuedAt < Duration.ofSeconds(9).toNanos()) {
                    Thread.sleep(200);
                    assertThat(kv.getPrefix("/skein/certs/default/orders/")).as("the certificate stays in etcd").isNotEmpty();
                }
                assertThat(kv.getPrefix("/skein/endpoints/default/orders/").values()).as("registered with TLS")
                        .anyMatch(e -> text(e).contains("\"tls\":true"));
            }
        }
    }

    /**
     * The control plane is not in the request path: with two replicas and 20-s certificates,
     * SIGKILL the signing leader: the agents' next renewal is signed by the other replica before
     * their certificates expire, and a new instance's certificate request is answered; then
     * SIGKILL that replica too, and requests and a policy change through etcd go on with no
     * control plane at all.
     */
    @Test
    void renewalMovesToAnotherReplicaAndTrafficAndPolicyNeedNoControlPlane() throws Exception {
        try (EtcdServer etcd = EtcdServer.started(); TwoVersionMesh mesh = new TwoVersionMesh(etcd)) {
            Path caDir = dir.resolve("ca");
            assertThat(new Cli(etcd.endpoint()).run("ca", "init", "--dir", caDir.toString()).code()).isZero();
            Process a = controlPlaneLogging(etcd, caDir, "20s", "cp-a.log", "--id", "cp-a");
            Process b = controlPlaneLogging(etcd, caDir, "20s", "cp-b.log", "--id", "cp-b");
            try (Etcd kv = Etcd.connect(settings(etcd, null, null))) {
                mesh.startServer("v1");
                mesh.startServer("v2");
                mesh.startClient(MeshJvm.builder("client"));
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                        .until(() -> ordersCertificates(kv).size() >= 2);

                boolean aLeads = Files.readString(dir.resolve("cp-a.log")).contains("cp-a is the leader");
                (aLeads ? a : b).destroyForcibly().waitFor();
                Instant killed = Instant.now();
                Map<String, X509Certificate> before = ordersCertificates(kv);
                // Renewal at half life: each instance renews within 10 s of 20-s certificates.
                await().atMost(Duration.ofSeconds(25)).pollInterval(Duration.ofMillis(200))
                        .until(() -> ordersCertificates(kv).keySet().stream().filter(serial -> !before.containsKey(serial)).count() >= 2);
                Instant renewed = Instant.now();
                for (X509Certificate old : before.values()) {
                    assertThat(renewed).as("renewed before the old certificate expired").isBefore(old.getNotAfter().toInstant());
                }
                String other = aLeads ? "cp-b" : "cp-a";
                assertThat(Files.readString(dir.resolve(other + ".log"))).contains(other + " is the leader");
                System.out.printf("both orders instances renewed on %s %d ms after SIGKILL of the signing leader%n",
                        other, Duration.between(killed, renewed).toMillis());
                Instant started = Instant.now();
                try (MeshJvm payments = agent(etcd, "payments", null, null)) {
                    await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
                            .until(() -> !kv.getPrefix("/skein/certs/default/payments/").isEmpty());
                    System.out.printf("a new instance's certificate issued by %s %d ms after its JVM was up%n",
                            other, Duration.between(started, Instant.now()).toMillis());
                    X509Certificate leaf = Pem.certificates(text(kv.getPrefix("/skein/certs/default/payments/").values().iterator().next())).get(0);
                    assertThat(uris(leaf)).containsExactly("spiffe://skein.local/ns/default/sa/payments");
                }

                (aLeads ? b : a).destroyForcibly().waitFor();
                etcd.put(Policies.DESTINATION_KEY, Policies.ORDERS_SUBSETS);
                etcd.put(Policies.ROUTE_KEY, Policies.split(0, 100));
                await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200))
                        .until(() -> mesh.send(20, "http://orders/api").count("v2") == 20);
                TwoVersionMesh.Outcome o = mesh.send(200, "http://orders/api");
                System.out.println("no control plane: a Route put with etcdctl applied; then " + o.line());
                assertThat(o.failed()).as(o.line()).isZero();
                assertThat(o.count("v2")).as(o.line()).isEqualTo(200);
            }
        }
    }

    /** The current certificates of every orders instance, by serial number. */
    private static Map<String, X509Certificate> ordersCertificates(Etcd kv) throws Exception {
        Map<String, X509Certificate> bySerial = new java.util.HashMap<>();
        for (KeyValue c : kv.getPrefix("/skein/certs/default/orders/").values()) {
            X509Certificate leaf = Pem.certificates(text(c)).get(0);
            bySerial.put(leaf.getSerialNumber().toString(16), leaf);
        }
        return bySerial;
    }

    private Process controlPlane(EtcdServer etcd, Path caDir, String ttl, String... extra) throws Exception {
        return controlPlaneLogging(etcd, caDir, ttl, "cp.log", extra);
    }

    private Process controlPlaneLogging(EtcdServer etcd, Path caDir, String ttl, String logName, String... extra) throws Exception {
        Path log = dir.resolve(logName);
        List<String> cmd = new ArrayList<>(List.of(Cli.java(), "-jar", Cli.jarPath().toString(), "control-plane",
                "--etcd", etcd.endpoint(), "--lease-ttl", "5", "--ca-dir", caDir.toString(), "--cert-ttl", ttl));
        cmd.addAll(List.of(extra));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        processes.add(p);
        return p;
    }

    private static MeshJvm agent(EtcdServer etcd, String service, String user, String password) throws Exception {
        MeshJvm.Builder b = MeshJvm.builder(service)
                .property("skein.service", service)
                .property("skein.lease.ttl.seconds", "4")
                // A loaded machine: the first snapshot (and so the first certificate) over the gateway, not a time-out.
                .property("skein.first.snapshot.wait.ms", "10000")
                .property("skein.etcd.endpoints", etcd.endpoint());
        if (user != null) {
            b.property("skein.etcd.user", user).property("skein.etcd.password", password);
        }
        MeshJvm jvm = b.env("ECHO_VERSION", "v1").start("dev.skein.it.apps.EchoServer");
        jvm.awaitLineStartingWith("listening", Duration.ofSeconds(30));
        return jvm;
    }

    private static EtcdSettings settings(EtcdServer etcd, String user, String password) {
        return new EtcdSettings(List.of(etcd.endpoint()), "/skein", user, password, null, null, null);
    }

    private static List<String> uris(X509Certificate c) throws Exception {
        List<String> out = new ArrayList<>();
        for (List<?> san : c.getSubjectAlternativeNames()) {
            if (Integer.valueOf(6).equals(san.get(0))) {
                out.add(String.valueOf(san.get(1)));
            }
        }
        return out;
    }

    private static String text(KeyValue kv) {
        return kv.getValue().toString(StandardCharsets.UTF_8);
    }

    private static void ok(EtcdServer.Result r) {
        assertThat(r.exitCode()).as(r.output()).isZero();
    }
}
