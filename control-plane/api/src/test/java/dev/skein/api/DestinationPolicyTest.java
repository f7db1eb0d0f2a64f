package dev.skein.api;

import static dev.skein.api.TestSupport.specProblems;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** DestinationPolicy: every error, the consistent-hash rules and the defaults. */
class DestinationPolicyTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "{subsets: []}                                                   | spec.host: required",
        "{host: orders, subsets: [{labels: {version: v1}}]}              | spec.subsets[0].name: required",
        "{host: orders, subsets: [{name: v1}]}                           | spec.subsets[0].labels: required",
        "{host: orders, subsets: [{name: v1, labels: {}}]}               | spec.subsets[0].labels: must select on at least one label",
        "{host: orders, subsets: [{name: v1, labels: {version: 1}}]}     | spec.subsets[0].labels.version: must be a string, got 1",
        "{host: orders, subsets: [{name: v1, labels: {version: 'a,b'}}]} | spec.subsets[0].labels.version: bad label value \"a,b\": at most 63 letters, digits, '.', '_' and '-', starting and ending alphanumeric",
        "{host: orders, subsets: [{name: v1, labels: {'a=b': x}}]}       | spec.subsets[0].labels.a=b: bad label key \"a=b\": letters, digits, '.', '_', '/' and '-', starting and ending alphanumeric",
        "{host: orders, subsets: [{name: v1, labels: {a: b}, weight: 1}]} | spec.subsets[0].weight: unknown field",
        "{host: orders, subsets: [{name: v1, labels: {a: b}}, {name: v1, labels: {a: c}}]} | spec.subsets[1].name: duplicate subset \"v1\"",
        "{host: orders, loadBalancer: {simple: FASTEST}}                 | spec.loadBalancer.simple: must be one of ROUND_ROBIN, RANDOM, LEAST_REQUEST, RING_HASH, got \"FASTEST\"",
        "{host: orders, loadBalancer: {simple: round_robin}}             | spec.loadBalancer.simple: must be one of ROUND_ROBIN, RANDOM, LEAST_REQUEST, RING_HASH, got \"round_robin\"",
        "{host: orders, loadBalancer: {}}                                | spec.loadBalancer.simple: required",
        "{host: orders, loadBalancer: {simple: RING_HASH}}               | spec.loadBalancer.consistentHash: required with RING_HASH: give httpHeaderName",
        "{host: orders, loadBalancer: {simple: RING_HASH, consistentHash: {}}} | spec.loadBalancer.consistentHash.httpHeaderName: required",
        "{host: orders, loadBalancer: {simple: RANDOM, consistentHash: {httpHeaderName: x-user}}} | spec.loadBalancer.consistentHash: only valid with loadBalancer.simple RING_HASH, got RANDOM",
        "{host: orders, loadBalancer: {simple: ROUND_ROBIN}, consistentHash: {httpHeaderName: x-user}} | spec.consistentHash: only valid with loadBalancer.simple RING_HASH, got ROUND_ROBIN",
        "{host: orders, consistentHash: {httpHeaderName: x-user}}        | spec.consistentHash: only valid with loadBalancer.simple RING_HASH",
        "{host: orders, loadBalancer: {simple: RING_HASH, consistentHash: {httpHeaderName: 'a b'}}} | spec.loadBalancer.consistentHash.httpHeaderName: must be an HTTP header name, got \"a b\"",
        "{host: orders, loadBalancer: {simple: RING_HASH, consistentHash: {httpHeaderName: a}}, consistentHash: {httpHeaderName: b}} | spec.consistentHash: given twice: here and in loadBalancer.consistentHash",
        "{host: orders, connectionPool: {}}                              | spec.connectionPool: give maxConcurrentRequests, maxRequestsPerEndpoint or both",
        "{host: orders, connectionPool: {maxRequestsPerEndpoint: 0}}     | spec.connectionPool.maxRequestsPerEndpoint: must be >= 1, got 0",
        "{host: orders, connectionPool: {maxRequestsPerEndpoint: x}}     | spec.connectionPool.maxRequestsPerEndpoint: must be an integer, got \"x\"",
        "{host: orders, connectionPool: {maxRequestsPerEndpoint: 4, maxPendingRequests: -1}} | spec.connectionPool.maxPendingRequests: must be >= 1, got -1",
        "{host: orders, connectionPool: {maxPendingRequests: 10}}        | spec.connectionPool.maxPendingRequests: only valid with maxRequestsPerEndpoint",
        "{host: orders, connectionPool: {maxConnections: 10}}            | spec.connectionPool.maxConnections: unknown field",
        "{host: orders, connectionPool: {maxConcurrentRequests: abc}}    | spec.connectionPool.maxConcurrentRequests: must be an integer, got \"abc\"",
        "{host: orders, connectionPool: {maxConcurrentRequests: 0}}      | spec.connectionPool.maxConcurrentRequests: must be >= 1, got 0",
        "{host: orders, connectionPool: {maxConcurrentRequests: 99999999999}} | spec.connectionPool.maxConcurrentRequests: out of range, got 99999999999",
        "{host: orders, outlierDetection: {maxEjectionPercent: 101}}     | spec.outlierDetection.maxEjectionPercent: must be 0..100, got 101",
        "{host: orders, outlierDetection: {consecutive5xxErrors: 0}}     | spec.outlierDetection.consecutive5xxErrors: must be >= 1, got 0",
        "{host: orders, outlierDetection: {interval: 10}}                | spec.outlierDetection.interval: bad duration \"10\"",
        "{host: orders, outlierDetection: {baseEjectionTime: 0ms}}       | spec.outlierDetection.baseEjectionTime: must be > 0, got \"0ms\"",
        "{host: orders, outlierDetection: {consecutiveErrors: 3}}        | spec.outlierDetection.consecutiveErrors: unknown field",
        "{host: orders, circuitBreaker: {failureRateThreshold: 0}}       | spec.circuitBreaker.failureRateThreshold: must be 1..100, got 0",
        "{host: orders, circuitBreaker: {failureRateThreshold: 100.5}}   | spec.circuitBreaker.failureRateThreshold: must be 1..100, got 100.5",
        "{host: orders, circuitBreaker: {minimumCalls: 0}}               | spec.circuitBreaker.minimumCalls: must be >= 1, got 0",
        "{host: orders, circuitBreaker: {openStateDuration: soon}}       | spec.circuitBreaker.openStateDuration: bad duration \"soon\"",
        "{host: orders, tls: {}}                                         | spec.tls.mode: required",
        "{host: orders, tls: {mode: ISTIO_MUTUAL}}                       | spec.tls.mode: must be one of MESH, DISABLE, got \"ISTIO_MUTUAL\"",
        "{host: orders, tls: MESH}                                       | spec.tls: must be a mapping, got \"MESH\"",
    })
    void rejects(String spec, String expected) {
        assertThat(specProblems("DestinationPolicy", spec)).containsExactly("t.yaml: " + expected);
    }

    @Test
    void ringHashWithHeaderInsideOrBesideLoadBalancer() {
        LoadBalancer expected = new LoadBalancer(LbPolicy.RING_HASH, new ConsistentHash("x-user"));
        assertThat(dp("{host: orders, loadBalancer: {simple: RING_HASH, consistentHash: {httpHeaderName: X-User}}}").loadBalancer())
                .isEqualTo(expected);
        assertThat(dp("{host: orders, loadBalancer: {simple: RING_HASH}, consistentHash: {httpHeaderName: x-user}}").loadBalancer())
                .isEqualTo(expected);
    }

    @Test
    void connectionPoolLimitsPerEndpointWithPendingQueue() {
        assertThat(dp("{host: orders, connectionPool: {maxRequestsPerEndpoint: 8, maxPendingRequests: 200}}").connectionPool())
                .isEqualTo(new ConnectionPool(0, 8, 200));
        assertThat(dp("{host: orders, connectionPool: {maxRequestsPerEndpoint: 8}}").connectionPool())
                .isEqualTo(new ConnectionPool(0, 8, 0));
        assertThat(dp("{host: orders, connectionPool: {maxConcurrentRequests: 100}}").connectionPool())
                .isEqualTo(new ConnectionPool(100));
    }

    @Test
    void defaultsAndOptionalParts() {
        DestinationPolicySpec d = dp("{host: orders, outlierDetection: {}, circuitBreaker: {}}");
        assertThat(d.subsets()).isEmpty();
        assertThat(d.loadBalancer()).isNull();
        assertThat(d.connectionPool()).isNull();
        assertThat(d.tls()).isNull();
        assertThat(d.outlierDetection()).isEqualTo(new OutlierDetection(5, Duration.ofSeconds(10), Duration.ofSeconds(30), 10));
        assertThat(d.circuitBreaker()).isEqualTo(new CircuitBreakerSettings(50f, 100, Duration.ofSeconds(60)));
        assertThat(dp("{host: orders, circuitBreaker: {failureRateThreshold: 12.5}}").circuitBreaker().failureRateThreshold())
                .isEqualTo(12.5f);
    }

    @Test
    void subsetLookupAndSelection() {
        DestinationPolicySpec d = dp("{host: orders, subsets: [{name: v2, labels: {version: v2, zone: a}}]}");
        Subset v2 = d.subset("v2").orElseThrow();
        assertThat(d.subset("v9")).isEmpty();
        assertThat(v2.selects(Map.of("version", "v2", "zone", "a", "extra", "x"))).isTrue();
        assertThat(v2.selects(Map.of("version", "v2"))).isFalse();
        assertThat(v2.selects(null)).isFalse();
    }

    private static DestinationPolicySpec dp(String spec) {
        return TestSupport.one(TestSupport.doc("DestinationPolicy", spec)).spec(DestinationPolicySpec.class);
    }
}
