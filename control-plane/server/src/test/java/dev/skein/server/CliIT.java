package dev.skein.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skein.it.support.EtcdServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The skein command against a real etcd: apply, get, diff, validate, delete, status, describe. */
class CliIT {
    private static EtcdServer etcd;
    private static Cli cli;

    @TempDir Path dir;

    @BeforeAll
    static void startEtcd() throws Exception {
        etcd = EtcdServer.started();
        cli = new Cli(etcd.endpoint());
    }

    @AfterAll
    static void stopEtcd() throws Exception {
        etcd.close();
    }

    @BeforeEach
    void clean() {
        etcd.ctl(Duration.ofSeconds(10), "del", "--prefix", "/skein/");
    }

    private Path file(String name, String text) throws Exception {
        Path f = dir.resolve(name);
        Files.writeString(f, text);
        return f;
    }

    @Test
    void applyGetDiffDeleteRoundTrip() throws Exception {
        String route = Docs.route("orders", "orders", "v1", "90", "v2", "10");
        String dest = Docs.destination("orders", "orders", "v1", "v2");
        Path f = file("orders.yaml", "# routing for orders\n" + Docs.join(route, dest));

        Cli.Result first = cli.run("apply", "-f", f.toString());
        assertThat(first.code()).as(first.toString()).isZero();
        assertThat(first.out()).isEqualTo("route.skein.dev/orders created\ndestinationpolicy.skein.dev/orders created\n");
        // Stored as the operator's text of that document.
        assertThat(etcd.getPrefix("/skein/policies/default/Route/orders")).contains("weight: 90").doesNotContain("DestinationPolicy");

        Cli.Result again = cli.run("apply", "-f", f.toString());
        assertThat(again.out()).isEqualTo("route.skein.dev/orders unchanged\ndestinationpolicy.skein.dev/orders unchanged\n");

        Cli.Result table = cli.run("get");
        assertThat(table.code()).isZero();
        assertThat(table.out()).containsPattern("Route\\s+orders\\s+host orders").containsPattern("DestinationPolicy\\s+orders");
        Cli.Result yaml = cli.run("get", "route", "orders", "-o", "yaml");
        assertThat(yaml.out()).isEqualTo(route);
        Cli.Result json = cli.run("get", "routes", "orders", "-o", "json");
        assertThat(json.out()).contains("\"kind\" : \"Route\"").contains("\"weight\" : 90");

        Path changed = file("changed.yaml", Docs.join(Docs.route("orders", "orders", "v1", "50", "v2", "50"), dest));
        Cli.Result diff = cli.run("diff", "-f", changed.toString());
        assertThat(diff.code()).as(diff.toString()).isZero();
        assertThat(diff.out()).contains("route.skein.dev/orders configured", "destinationpolicy.skein.dev/orders unchanged",
                "-         - {destination: {subset: v1}, weight: 90}", "+         - {destination: {subset: v1}, weight: 50}");
        assertThat(etcd.getPrefix("/skein/policies/default/Route/orders")).contains("weight: 90");

        assertThat(cli.run("apply", "-f", changed.toString()).out()).contains("route.skein.dev/orders configured");
        assertThat(etcd.getPrefix("/skein/policies/default/Route/orders")).contains("weight: 50");

        Cli.Result delete = cli.run("delete", "route", "orders");
        assertThat(delete.out()).isEqualTo("route.skein.dev/orders deleted\n");
        assertThat(etcd.getPrefix("/skein/policies/default/Route/")).isBlank();
        Cli.Result missing = cli.run("delete", "route", "orders");
        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.err()).isEqualTo("skein: Route default/orders not found\n");
    }

    @Test
    void oneBadDocumentAmongGoodOnesWritesNothing() throws Exception {
        Path f = file("mixed.yaml", Docs.join(
                Docs.destination("orders", "orders", "v1", "v2"),
                Docs.route("orders", "orders", "v1", "90", "v2", "50"),
                Docs.destination("pay", "pay", "v1")));
        Cli.Result r = cli.run("apply", "-f", f.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).startsWith(f + "#2: spec.http[0].route").contains("100");
        assertThat(r.err().lines()).allMatch(l -> l.startsWith(f.toString()));
        assertThat(etcd.getPrefix("/skein/policies/")).isBlank();
    }

    @Test
    void validateFindsCrossPolicyProblems() throws Exception {
        etcd.put("/skein/policies/default/DestinationPolicy/orders", Docs.destination("orders", "orders", "v1"));
        etcd.put("/skein/policies/default/Route/orders", Docs.route("orders", "orders", "v1", "100"));
        Path f = file("bad.yaml", Docs.join(
                Docs.route("orders-2", "orders", "v1", "100"),
                Docs.route("pay", "orders.shop", "v9", "100"),
                "apiVersion: skein.dev/v1\nkind: AuthorizationPolicy\nmetadata: {name: lock}\nspec:\n"
                        + "  selector: {service: orders}\n  action: ALLOW\n  rules: []\n",
                "apiVersion: skein.dev/v1\nkind: AuthorizationPolicy\nmetadata: {name: deny-all}\nspec:\n"
                        + "  selector: {service: pay}\n  action: DENY\n  rules:\n    - to: [{paths: [\"/*\"]}]\n"));
        Cli.Result r = cli.run("validate", "-f", f.toString());
        assertThat(r.code()).as(r.toString()).isEqualTo(1);
        assertThat(r.err().lines()).hasSize(4);
        assertThat(r.err()).contains("another Route for host orders is already defined by /skein/policies/default/Route/orders",
                f + "#2: spec.http[0].route[0].destination.subset: unknown subset v9 for host orders.shop",
                f + "#3: spec.rules: ALLOW with no rules denies every request to service orders",
                f + "#4: spec.rules[0]: DENY rule matches every request");
        assertThat(etcd.getPrefix("/skein/policies/default/AuthorizationPolicy/")).isBlank();

        Path good = file("good.yaml", Docs.join(Docs.destination("pay", "pay", "v1"), Docs.route("pay", "pay", "v1", "100")));
        Cli.Result ok = cli.run("validate", "-f", good.toString());
        assertThat(ok.code()).as(ok.toString()).isZero();
        assertThat(ok.out()).isEqualTo("2 policies valid\n");
        assertThat(etcd.getPrefix("/skein/policies/default/Route/pay")).isBlank();

        // The Route alone names a subset that only etcd's DestinationPolicy defines: fine against etcd.
        Path route = file("route.yaml", Docs.route("orders", "orders", "v1", "100").replace("name: default", "name: main"));
        assertThat(cli.run("validate", "-f", route.toString()).code()).isZero();
        assertThat(cli.run("validate", "--offline", "-f", route.toString()).err()).contains("unknown subset v1");
    }

    @Test
    void applyReadsDirectoriesAndStdinAndRefusesRemovingASubsetInUse() throws Exception {
        file("a-dest.yaml", Docs.destination("orders", "orders", "v1", "v2"));
        file("b-route.json", "{\"apiVersion\":\"skein.dev/v1\",\"kind\":\"Route\",\"metadata\":{\"name\":\"orders\"},"
                + "\"spec\":{\"host\":\"orders\",\"http\":[{\"route\":[{\"destination\":{\"subset\":\"v2\"}}]}]}}");
        Cli.Result r = cli.run("apply", "-f", dir.toString());
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).contains("destinationpolicy.skein.dev/orders created", "route.skein.dev/orders created");

        Path shrink = file("shrink.txt", Docs.destination("orders", "orders", "v1"));
        Cli.Result refused = cli.run("apply", "-f", shrink.toString());
        assertThat(refused.code()).isEqualTo(1);
        assertThat(refused.err()).contains("/skein/policies/default/Route/orders: spec.http[0].route[0].destination.subset: unknown subset v2");
        assertThat(etcd.getPrefix("/skein/policies/default/DestinationPolicy/orders")).contains("name: v2");
    }

    @Test
    void statusShowsEndpointsAgentsRevisionsRejectionsAndVerdicts() throws Exception {
        etcd.put("/skein/policies/default/Route/orders", Docs.route("orders", "orders", "v1", "100"));
        etcd.put("/skein/endpoints/default/orders/orders-11-8081",
                "{\"address\":\"127.0.0.1\",\"port\":8081,\"protocol\":\"http\",\"labels\":{\"version\":\"v1\"}}");
        etcd.put("/skein/status/agents/default/frontend/frontend-1234", agent("frontend", "frontend-1234", 1234, 1_000_000,
                "{\"/skein/policies/default/Route/bad\":[\"/skein/policies/default/Route/bad: spec.host: is required\"]}"));
        etcd.put("/skein/status/agents/default/orders/orders-11", agent("orders", "orders-11", 11, 1, "{}"));
        etcd.put("/skein/status/policies/default/Route/orders",
                "{\"valid\":false,\"problems\":[\"/skein/policies/default/Route/orders: spec.http[0].route[0].destination.subset: unknown subset v1 for host orders\"],\"revision\":1,\"checkedBy\":\"cp-x\"}");

        Cli.Result r = cli.run("status");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).containsPattern("default\\s+orders\\s+orders-11-8081\\s+127.0.0.1:8081\\s+http\\s+version=v1");
        assertThat(r.out()).contains("AGENTS (2;");
        assertThat(r.out()).containsPattern("default\\s+frontend\\s+frontend-1234\\s+1234\\s+1000000\\s+yes");
        assertThat(r.out()).containsPattern("default\\s+orders\\s+orders-11\\s+11\\s+1\\s+no");
        assertThat(r.out()).contains("default/frontend/frontend-1234 rejected: /skein/policies/default/Route/bad: spec.host: is required");
        assertThat(r.out()).containsPattern("Route\\s+orders\\s+\\d+\\s+invalid \\(rev 1\\)\\s+cp-x");
        assertThat(r.out()).contains("unknown subset v1 for host orders");
    }

    private static String agent(String service, String instance, long pid, long revision, String rejected) {
        return "{\"agent\":\"default/" + service + "/" + instance + "\",\"service\":\"" + service + "\",\"namespace\":\"default\","
                + "\"instance\":\"" + instance + "\",\"pid\":" + pid + ",\"revision\":" + revision + ",\"policies\":1,"
                + "\"endpoints\":1,\"rejected\":" + rejected + ",\"updated\":\"2026-11-26T12:00:00Z\",\"certificateExpiry\":null}";
    }

    @Test
    void describeShowsRoutesSubsetsEndpointsResilienceMtlsAndCallers() throws Exception {
        String route = "apiVersion: skein.dev/v1\nkind: Route\nmetadata: {name: orders}\nspec:\n  host: orders\n  http:\n"
                + "    - name: canary\n      match:\n        - headers: {x-canary: {exact: \"true\"}}\n          path: {prefix: /api}\n"
                + "      route:\n        - destination: {subset: v2}\n"
                + "    - name: default\n      route:\n        - {destination: {subset: v1}, weight: 90}\n"
                + "        - {destination: {subset: v2}, weight: 10}\n      timeout: 2s\n"
                + "      retries: {attempts: 3, perTryTimeout: 500ms, retryOn: \"5xx,reset\"}\n";
        String dest = "apiVersion: skein.dev/v1\nkind: DestinationPolicy\nmetadata: {name: orders}\nspec:\n  host: orders\n"
                + "  subsets:\n    - {name: v1, labels: {version: v1}}\n    - {name: v2, labels: {version: v2}}\n"
                + "  loadBalancer: {simple: LEAST_REQUEST}\n"
                + "  outlierDetection: {consecutive5xxErrors: 5, interval: 10s, baseEjectionTime: 30s, maxEjectionPercent: 50}\n"
                + "  circuitBreaker: {failureRateThreshold: 50, minimumCalls: 20, openStateDuration: 30s}\n  tls: {mode: MESH}\n";
        String peer = "apiVersion: skein.dev/v1\nkind: PeerAuthentication\nmetadata: {name: orders}\nspec:\n"
                + "  selector: {service: orders}\n  mtls: {mode: STRICT}\n";
        String authz = "apiVersion: skein.dev/v1\nkind: AuthorizationPolicy\nmetadata: {name: orders-readers}\nspec:\n"
                + "  selector: {service: orders}\n  action: ALLOW\n  rules:\n"
                + "    - from: [{principals: [\"spiffe://skein.local/ns/default/sa/frontend\"]}]\n"
                + "      to: [{methods: [GET], paths: [\"/api/*\"]}]\n";
        assertThat(cli.run("apply", "-f", file("all.yaml", Docs.join(route, dest, peer, authz)).toString()).code()).isZero();
        etcd.put("/skein/endpoints/default/orders/orders-1-8081",
                "{\"address\":\"127.0.0.1\",\"port\":8081,\"protocol\":\"http\",\"labels\":{\"version\":\"v1\"}}");
        etcd.put("/skein/endpoints/default/orders/orders-2-8082",
                "{\"address\":\"127.0.0.1\",\"port\":8082,\"protocol\":\"http\",\"labels\":{\"version\":\"v2\"}}");

        Cli.Result r = cli.run("describe", "service", "orders");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).contains(
                "Service:    orders.default",
                "orders-1-8081  127.0.0.1:8081  http  version=v1",
                "rule 1 canary:",
                "when: path prefix \"/api\" and header x-canary exact \"true\"",
                "route: 100% -> orders subset v2",
                "route: 90% -> orders subset v1",
                "timeout: 2s",
                "retries: 3 attempts, 500ms per try, on 5xx,reset",
                "v1  version=v1  endpoints: orders-1-8081 (127.0.0.1:8081)",
                "v2  version=v2  endpoints: orders-2-8082 (127.0.0.1:8082)",
                "Load balancer: LEAST_REQUEST",
                "Outlier detection: eject after 5 consecutive 5xx",
                "Circuit breaker: open at 50.0% failures over at least 20 calls, for 30s",
                "Client TLS: MESH (DestinationPolicy orders)",
                "Server mTLS: STRICT (PeerAuthentication default/orders)",
                "ALLOW (AuthorizationPolicy default/orders-readers)",
                "from principals [spiffe://skein.local/ns/default/sa/frontend] to methods [GET] and paths [/api/*]");

        Cli.Result none = cli.run("describe", "service", "nothing");
        assertThat(none.code()).isEqualTo(1);
        assertThat(none.err()).isEqualTo("skein: service default/nothing not found: no endpoints and no policies\n");
    }

    @Test
    void theRealJarAndLauncherApplyAndGet() throws Exception {
        Path f = file("p.yaml", Docs.destination("orders", "orders", "v1"));
        Cli.Result applied = Cli.jar(60, "apply", "-f", f.toString(), "--etcd", etcd.endpoint());
        assertThat(applied.code()).as(applied.toString()).isZero();
        assertThat(applied.out()).isEqualTo("destinationpolicy.skein.dev/orders created\n");

        Path launcher = Path.of(System.getProperty("skein.launcher", "../../bin/skein"));
        ProcessBuilder pb = new ProcessBuilder(launcher.toString(), "get", "destinationpolicy");
        pb.environment().put("SKEIN_ETCD_ENDPOINTS", etcd.endpoint());
        Cli.Result got = Cli.process(pb, 60);
        assertThat(got.code()).as(got.toString()).isZero();
        assertThat(got.out()).containsPattern("DestinationPolicy\\s+orders\\s+host orders");
    }

    @Test
    void unreachableEtcdIsOneLineAndFast() throws Exception {
        int closedPort = dev.skein.it.support.FreePorts.next();
        long start = System.nanoTime();
        Cli.Result r = Cli.jar(20, "get", "--etcd", "http://127.0.0.1:" + closedPort);
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertThat(r.code()).isNotZero();
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).isEqualTo("skein: cannot reach etcd at http://127.0.0.1:" + closedPort + ": Connection refused\n");
        assertThat(millis).as("milliseconds until the error").isLessThan(5000);
    }
}
