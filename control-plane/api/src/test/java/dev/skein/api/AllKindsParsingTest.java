package dev.skein.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Every field of every kind, as documented, parses from YAML and identically from JSON. */
class AllKindsParsingTest {
    private static final String YAML = TestSupport.resource("all-kinds.yaml");

    private static List<Policy> parse(String text) {
        ParseResult r = PolicyParser.parse("all-kinds.yaml", text);
        assertThat(r.problems()).isEmpty();
        assertThat(r.ok()).isTrue();
        return r.policies();
    }

    @Test
    void everyKindAndFieldFromYaml() {
        List<Policy> all = parse(YAML);
        assertThat(all).extracting(Policy::kind).containsExactly(PolicyKind.values());

        Policy route = all.get(0);
        assertThat(route.metadata()).isEqualTo(new Metadata("orders", "default"));
        RouteSpec r = route.spec(RouteSpec.class);
        assertThat(r.host()).isEqualTo("orders");
        HttpRule canary = r.http().get(0);
        assertThat(canary.name()).isEqualTo("canary");
        RequestMatch m = canary.match().get(0);
        assertThat(m.headers()).containsOnlyKeys("x-canary", "x-user", "x-env");
        assertThat(m.headers().get("x-canary")).isEqualTo(StringMatch.exact("true"));
        assertThat(m.headers().get("x-user").type()).isEqualTo(MatchType.REGEX);
        assertThat(m.headers().get("x-user").pattern().pattern()).isEqualTo("u[0-9]+");
        assertThat(m.headers().get("x-env")).isEqualTo(StringMatch.prefix("prod"));
        assertThat(m.path()).isEqualTo(StringMatch.prefix("/api"));
        assertThat(m.method()).isEqualTo("GET");
        assertThat(canary.route()).containsExactly(new WeightedDestination(new Destination(null, "v2", null), 100));
        assertThat(canary.timeout()).isNull();
        assertThat(canary.retries()).isNull();
        assertThat(canary.fault()).isNull();
        assertThat(canary.mirror()).isNull();

        HttpRule def = r.http().get(1);
        assertThat(def.match()).isEmpty();
        assertThat(def.route()).containsExactly(
                new WeightedDestination(new Destination(null, "v1", null), 90),
                new WeightedDestination(new Destination("orders.default", "v2", 8080), 10));
        assertThat(def.timeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(def.retries()).isEqualTo(new Retries(3, Duration.ofMillis(500), Set.of("5xx", "connect-failure", "reset")));
        assertThat(def.fault().delay()).isEqualTo(new Delay(10, Duration.ofMillis(200)));
        assertThat(def.fault().abort()).isEqualTo(new Abort(5, 503, null));
        assertThat(def.mirror()).isEqualTo(new Mirror(new Destination(null, "v3", null), 10));

        HttpRule grpc = r.http().get(2);
        assertThat(grpc.match().get(0).path()).isEqualTo(StringMatch.exact("/pkg.Orders/Get"));
        assertThat(grpc.route()).containsExactly(new WeightedDestination(new Destination(null, null, null), 100));
        assertThat(grpc.fault()).isEqualTo(new Fault(null, new Abort(1.5, null, "UNAVAILABLE")));

        Policy dp = all.get(1);
        assertThat(dp.metadata()).isEqualTo(new Metadata("orders", "default"));
        DestinationPolicySpec d = dp.spec(DestinationPolicySpec.class);
        assertThat(d.host()).isEqualTo("orders");
        assertThat(d.subsets()).containsExactly(new Subset("v1", Map.of("version", "v1")),
                new Subset("v2", Map.of("version", "v2", "zone", "a")), new Subset("v3", Map.of("version", "v3")));
        assertThat(d.loadBalancer()).isEqualTo(new LoadBalancer(LbPolicy.LEAST_REQUEST, null));
        assertThat(d.connectionPool()).isEqualTo(new ConnectionPool(100));
        assertThat(d.outlierDetection()).isEqualTo(new OutlierDetection(5, Duration.ofSeconds(10), Duration.ofSeconds(30), 50));
        assertThat(d.circuitBreaker()).isEqualTo(new CircuitBreakerSettings(50f, 20, Duration.ofSeconds(30)));
        assertThat(d.tls()).isEqualTo(new Tls(TlsMode.MESH));

        Policy pa = all.get(2);
        assertThat(pa.metadata()).isEqualTo(new Metadata("orders-mtls", "shop"));
        assertThat(pa.spec()).isEqualTo(new PeerAuthenticationSpec(new Selector("orders"), new Mtls(MtlsMode.STRICT)));

        AuthorizationPolicySpec az = all.get(3).spec(AuthorizationPolicySpec.class);
        assertThat(az.selector()).isEqualTo(new Selector("orders"));
        assertThat(az.action()).isEqualTo(AuthzAction.ALLOW);
        assertThat(az.rules()).containsExactly(new AuthzRule(
                List.of(new AuthzSource(List.of("spiffe://skein.local/ns/default/sa/frontend"), List.of("default"))),
                List.of(new AuthzOperation(List.of("GET"), List.of("/api/*", "/pkg.Orders/Get")))));

        assertThat(all.get(4).spec()).isEqualTo(new RateLimitPolicySpec(new Selector("orders"), 100, 20));

        assertThat(all.get(5).spec()).isEqualTo(new ServiceEntrySpec("orders", List.of(
                new Endpoint("127.0.0.1", 8081, "http", Map.of("version", "v1")),
                new Endpoint("127.0.0.1", 9091, "grpc", Map.of()))));

        assertThat(all.get(6).spec()).isEqualTo(new TelemetrySpec(new Selector("orders"), new AccessLogging(false, AccessLogMode.SERVER)));
    }

    @Test
    void jsonGivesTheSamePolicies() {
        String json = TestSupport.toJsonDocuments(YAML);
        assertThat(json).startsWith("{\"apiVersion\":\"skein.dev/v1\"");
        assertThat(parse(json)).isEqualTo(parse(YAML));
    }

    @Test
    void handWrittenJsonDocument() {
        String json = """
                {"apiVersion": "skein.dev/v1", "kind": "Route", "metadata": {"name": "orders"},
                 "spec": {"host": "orders", "http": [{"route": [
                    {"destination": {"subset": "v1"}, "weight": 75},
                    {"destination": {"subset": "v2"}, "weight": 25}],
                  "timeout": "1.5s"}]}}
                """;
        RouteSpec r = TestSupport.one(json).spec(RouteSpec.class);
        assertThat(r.http().get(0).route()).extracting(WeightedDestination::weight).containsExactly(75, 25);
        assertThat(r.http().get(0).timeout()).isEqualTo(Duration.ofMillis(1500));
    }

    @Test
    void sameTextParsesToEqualPolicies() {
        // Agents compare old and new policies to skip no-op updates: records, patterns included, must be equal.
        assertThat(parse(YAML)).isEqualTo(parse(YAML));
        assertThat(parse(YAML).hashCode()).isEqualTo(parse(YAML).hashCode());
    }
}
