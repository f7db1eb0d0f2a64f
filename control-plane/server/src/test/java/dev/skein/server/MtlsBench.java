package dev.skein.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.skein.it.support.EtcdServer;
import dev.skein.it.support.MeshJvm;
import dev.skein.server.ca.CertificateAuthority;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/**
 * The CPU cost of mutual TLS, side by side in one run, modes interleaved in each round:
 *
 * <ul>
 *   <li>{@code plain, no agent}: the same client and server apps without the agent, plain HTTP;
 *   <li>{@code plain, agent}: both under the agent, the mesh's TLS off (DestinationPolicy {@code tls.mode: DISABLE});
 *   <li>{@code JDK TLS, no agent}: without the agent, the apps doing mutual TLS 1.3 themselves
 *       ({@code HttpClient} with an {@code SSLContext}, {@code HttpsServer}), with certificates of the same
 *       kind the mesh CA issues (ECDSA P-256, issued by a {@link CertificateAuthority});
 *   <li>{@code mesh mTLS, agent}: both under the agent, the mesh's automatic mutual TLS.
 * </ul>
 *
 * The two no-agent modes run only with {@code baselines}. Per mode: requests/s, latency and CPU per
 * request of client and server over kept-alive connections (2 threads, closed loop), the client
 * connections and TLS sessions the server saw meanwhile, and the latency with a new connection per
 * request (the handshake).
 */
final class MtlsBench {
    static final String PLAIN_BARE = "plain, no agent";
    static final String PLAIN_AGENT = "plain, agent";
    static final String TLS_BARE = "JDK TLS, no agent";
    static final String MTLS_AGENT = "mesh mTLS, agent";

    private final EtcdServer etcd;
    private final MeshJvm front;
    private final MeshJvm orders;
    private final Path dir;
    private final String tlsOffPolicy;
    private final String frontId;

    MtlsBench(EtcdServer etcd, MeshJvm front, MeshJvm orders, Path dir, String tlsOffPolicy, String frontId) {
        this.etcd = etcd;
        this.front = front;
        this.orders = orders;
        this.dir = dir;
        this.tlsOffPolicy = tlsOffPolicy;
        this.frontId = frontId;
    }

    /** One measured mode: who calls whom, at which URL, and what the server answers. */
    private record Mode(String name, MeshJvm client, MeshJvm server, String url, String expect, Boolean meshTls) {}

    /** One mode's figures in one round. */
    record Row(String mode, int round, String rps, String p50, String p99, double clientCpu, double serverCpu, String reuse,
            String freshP50, String freshP99) {
        String markdown() {
            return String.format("| %s | %d | %s | %s | %s | %.1f | %.1f | %s | %s | %s |", mode, round, rps, p50, p99, clientCpu,
                    serverCpu, reuse, freshP50, freshP99);
        }
    }

    /** Runs the rounds; returns the markdown table with the ratios of the last round below it. */
    String run(int seconds, int rounds, boolean baselines, Path jfrDir) throws Exception {
        String started = java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS) + ", load average (1, 5, 15 min) "
                + loadAverage();
        List<Mode> modes = new ArrayList<>();
        MeshJvm bareServer = null;
        MeshJvm bareClient = null;
        int httpsPort = -1;
        try {
            if (baselines) {
                Path tls = Files.createDirectories(dir.resolve("bench-tls"));
                writeStores(tls);
                bareServer = bare("bare-orders", tls, "orders").start("dev.skein.it.apps.mtls.PeerEchoServer");
                int plainPort = port(bareServer.awaitLineStartingWith("listening ", Duration.ofSeconds(30)));
                httpsPort = port(bareServer.awaitLineStartingWith("listening-https ", Duration.ofSeconds(30)));
                bareClient = bare("bare-front", tls, "front")
                        .property("jdk.internal.httpclient.disableHostnameVerification", "true") // an IP address; no IP SAN
                        .start("dev.skein.it.apps.mtls.MeshCaller");
                bareClient.awaitLineStartingWith("ready", Duration.ofSeconds(30));
                modes.add(new Mode(PLAIN_BARE, bareClient, bareServer, "http://127.0.0.1:" + plainPort + "/", "plaintext", null));
            }
            modes.add(new Mode(PLAIN_AGENT, front, orders, "http://orders/", "plaintext", false));
            if (baselines) {
                modes.add(new Mode(TLS_BARE, bareClient, bareServer, "https://127.0.0.1:" + httpsPort + "/",
                        "TLSv1.3 " + frontId, null));
            }
            modes.add(new Mode(MTLS_AGENT, front, orders, "http://orders/", "TLSv1.3 " + frontId, true));

            Map<String, List<Row>> rows = new LinkedHashMap<>();
            for (int round = 1; round <= rounds; round++) {
                for (Mode mode : modes) {
                    Path jfr = jfrDir != null && round == rounds ? jfrDir : null;
                    rows.computeIfAbsent(mode.name(), k -> new ArrayList<>()).add(measure(mode, round, seconds, jfr));
                }
            }
            etcd.delete("/skein/policies/default/DestinationPolicy/orders");
            return "Run started " + started + "; at the end " + loadAverage() + "; " + seconds + " s per mode and round, Java "
                    + System.getProperty("java.version") + ", " + Runtime.getRuntime().availableProcessors() + " cores.\n\n"
                    + table(rows, rounds);
        } finally {
            for (MeshJvm jvm : new MeshJvm[] {bareClient, bareServer}) {
                if (jvm != null) {
                    jvm.close();
                }
            }
        }
    }

    private Row measure(Mode mode, int round, int seconds, Path jfrDir) throws Exception {
        if (mode.meshTls() != null) {
            if (mode.meshTls()) {
                etcd.delete("/skein/policies/default/DestinationPolicy/orders");
            } else {
                etcd.put("/skein/policies/default/DestinationPolicy/orders", tlsOffPolicy);
            }
        }
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                .until(() -> call(mode.client(), "send 3 " + mode.url(), 30).contains("{" + mode.expect() + "=3}"));
        call(mode.client(), "bench 1 2 1000000 " + mode.url(), 30); // warm-up
        stats(mode.server());
        String file = mode.name().replaceAll("[^a-zA-Z]+", "-");
        if (jfrDir != null) {
            jfr(mode.client(), "start", jfrDir.resolve(file + "-client.jfr"));
            jfr(mode.server(), "start", jfrDir.resolve(file + "-server.jfr"));
        }
        long cpu0 = cpuMicros(mode.server());
        String steady = call(mode.client(), "bench " + seconds + " 2 1000000 " + mode.url(), seconds + 30);
        long serverCpu = cpuMicros(mode.server()) - cpu0;
        if (jfrDir != null) {
            jfr(mode.client(), "stop", null);
            jfr(mode.server(), "stop", null);
        }
        String seen = stats(mode.server());
        String fresh = call(mode.client(), "bench " + Math.max(2, seconds / 2) + " 1 1 " + mode.url(), seconds + 30);
        assertThat(steady).contains("failed=0").contains(mode.expect());
        assertThat(fresh).contains("failed=0");
        // Over thousands of requests the 2 threads keep their 2 connections (and TLS sessions); a
        // server that closes kept-alive connections (such as a JDK HttpServer holding 200 idle ones
        // left by dropped clients) would make each request pay a new connection and handshake.
        assertThat(Integer.parseInt(field(seen, "connections")))
                .as(mode.name() + ", round " + round + ": connections the server saw in the steady phase (" + seen + ")")
                .isLessThanOrEqualTo(4);
        String reuse = field(seen, "connections") + " / " + field(seen, "sessions") + " " + suites(seen);
        return new Row(mode.name(), round, field(steady, "rps"), field(steady, "p50"), field(steady, "p99"),
                Double.parseDouble(field(steady, "cpu")), serverCpu / (double) Math.max(1, ok(steady)), reuse, field(fresh, "p50"),
                field(fresh, "p99"));
    }

    private static String table(Map<String, List<Row>> rows, int rounds) {
        StringBuilder t = new StringBuilder("""
                | mode | round | requests/s (2 kept-alive connections) | p50 (µs) | p99 (µs) | client CPU/request (µs) | server CPU/request (µs) | connections / TLS sessions the server saw (cipher suite) | new connection per request p50 (µs) | p99 (µs) |
                |---|---:|---:|---:|---:|---:|---:|---|---:|---:|
                """);
        for (int round = 0; round < rounds; round++) {
            for (List<Row> r : rows.values()) {
                t.append(r.get(round).markdown()).append('\n');
            }
        }
        // Round 1 warms the JIT up; the ratios use the median of the later rounds (a loaded machine's noise).
        int from = rounds > 1 ? 1 : 0;
        Map<String, double[]> median = new LinkedHashMap<>();
        rows.forEach((mode, r) -> median.put(mode, new double[] {
            median(r.subList(from, rounds).stream().mapToDouble(Row::clientCpu).toArray()),
            median(r.subList(from, rounds).stream().mapToDouble(Row::serverCpu).toArray())}));
        t.append("\nCPU per request, client / server, median of rounds ").append(from + 1).append('-').append(rounds).append(":\n\n");
        median.forEach((mode, m) -> t.append(String.format("- %s: %.1f / %.1f µs%n", mode, m[0], m[1])));
        t.append('\n');
        ratio(t, "mesh mTLS against plain, both under the agent", median.get(MTLS_AGENT), median.get(PLAIN_AGENT));
        ratio(t, "JDK TLS against plain, no agent (the JDK's price of TLS)", median.get(TLS_BARE), median.get(PLAIN_BARE));
        ratio(t, "mesh mTLS against JDK TLS, no agent", median.get(MTLS_AGENT), median.get(TLS_BARE));
        ratio(t, "plain under the agent against plain without it", median.get(PLAIN_AGENT), median.get(PLAIN_BARE));
        if (median.containsKey(TLS_BARE)) {
            double[] a = median.get(MTLS_AGENT);
            double[] p = median.get(PLAIN_AGENT);
            double[] b = median.get(TLS_BARE);
            double[] p0 = median.get(PLAIN_BARE);
            t.append(String.format("- what TLS adds: under the agent client %+.1f, server %+.1f µs; without it client %+.1f, server %+.1f µs%n",
                    a[0] - p[0], a[1] - p[1], b[0] - p0[0], b[1] - p0[1]));
        }
        return t.toString();
    }

    private static double median(double[] values) {
        double[] v = values.clone();
        java.util.Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private static void ratio(StringBuilder t, String what, double[] a, double[] b) {
        if (a == null || b == null) {
            return;
        }
        t.append(String.format("- %s: client %+.0f%%, server %+.0f%%, both %+.0f%%%n", what, 100 * (a[0] / b[0] - 1),
                100 * (a[1] / b[1] - 1), 100 * ((a[0] + a[1]) / (b[0] + b[1]) - 1)));
    }

    private MeshJvm.Builder bare(String name, Path tls, String service) {
        return MeshJvm.builder(name).withoutAgent()
                .property("skein.it.tls.keystore", tls.resolve(service + ".p12").toString())
                .property("skein.it.tls.truststore", tls.resolve("trust.p12").toString())
                .property("skein.it.tls.password", "bench");
    }

    private static int port(String listening) {
        return Integer.parseInt(listening.split(" ")[1]);
    }

    /** A root CA and workload certificates for front and orders as the mesh CA issues them, in PKCS#12 stores. */
    private static void writeStores(Path tls) throws Exception {
        CertificateAuthority ca = CertificateAuthority.createRoot("skein.local");
        char[] password = "bench".toCharArray();
        for (String service : List.of("front", "orders")) {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair pair = generator.generateKeyPair();
            var csr = new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=" + service), pair.getPublic())
                    .build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate()));
            List<X509Certificate> chain = ca.issue(csr, "default", service, Duration.ofDays(1));
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry(service, pair.getPrivate(), password, chain.toArray(new X509Certificate[0]));
            store(keys, tls.resolve(service + ".p12"), password);
        }
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("root", ca.roots().get(0));
        store(trust, tls.resolve("trust.p12"), password);
    }

    private static void store(KeyStore store, Path file, char[] password) throws Exception {
        try (OutputStream out = Files.newOutputStream(file)) {
            store.store(out, password);
        }
    }

    private static String call(MeshJvm client, String command, int timeoutSeconds) throws Exception {
        client.send(command);
        return client.awaitLineStartingWith("result", Duration.ofSeconds(timeoutSeconds));
    }

    private static String stats(MeshJvm server) throws Exception {
        server.send("stats");
        return server.awaitLineStartingWith("stats ", Duration.ofSeconds(10));
    }

    private static void jfr(MeshJvm jvm, String action, Path file) throws Exception {
        List<String> command = new ArrayList<>(List.of("jcmd", String.valueOf(jvm.pid()), "JFR." + action, "name=bench"));
        if (file != null) {
            command.addAll(List.of("settings=" + System.getProperty("skein.mtls.bench.jfr.settings", "profile"), "filename=" + file.toAbsolutePath()));
        }
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(out).isZero();
    }

    private static String suites(String stats) {
        Matcher m = Pattern.compile("suites=\\{([^}]*)}").matcher(stats);
        return m.find() && !m.group(1).isEmpty() ? "(" + m.group(1).replaceAll("=\\d+", "") + ")" : "";
    }

    private static String field(String result, String name) {
        Matcher m = Pattern.compile(" " + name + "=([0-9.]+)").matcher(result);
        return m.find() ? m.group(1) : "?";
    }

    private static int ok(String result) {
        Matcher m = Pattern.compile("ok=(\\d+)").matcher(result);
        return m.find() ? Integer.parseInt(m.group(1)) : -1;
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + ", " + f[1] + ", " + f[2];
        } catch (IOException e) {
            return "?";
        }
    }

    /** utime + stime of a JVM, from /proc (clock ticks of 10 ms). */
    private static long cpuMicros(MeshJvm jvm) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + jvm.pid() + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10_000;
    }
}
