package dev.skein.api;

import static dev.skein.api.TestSupport.specProblems;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** PeerAuthentication, AuthorizationPolicy and RateLimitPolicy. */
class ServerPoliciesTest {

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', value = {
        "PeerAuthentication  | {mtls: {mode: strict}}             | spec.mtls.mode: must be one of STRICT, PERMISSIVE, DISABLE, got \"strict\"",
        "PeerAuthentication  | {mtls: {}}                         | spec.mtls.mode: required",
        "PeerAuthentication  | {selector: {}}                     | spec.selector.service: required",
        "PeerAuthentication  | {selector: {app: x, service: x}}    | spec.selector.app: unknown field",
        "PeerAuthentication  | {selector: {service: Orders}}      | spec.selector.service: must be a DNS-1123 label (at most 63 of a-z, 0-9 and '-', starting and ending alphanumeric), got \"Orders\"",
        "PeerAuthentication  | {portLevelMtls: {}}                | spec.portLevelMtls: unknown field",
        "AuthorizationPolicy | {action: ALLOW}                    | spec.rules: required",
        "AuthorizationPolicy | {action: DENY, rules: []}          | spec.rules: DENY with no rules matches no request; give at least one rule",
        "AuthorizationPolicy | {action: AUDIT, rules: []}         | spec.rules: AUDIT with no rules matches no request; give at least one rule",
        "AuthorizationPolicy | {action: REJECT, rules: [{}]}      | spec.action: must be one of ALLOW, DENY, AUDIT, got \"REJECT\"",
        "AuthorizationPolicy | {rules: [{from: [{}]}]}            | spec.rules[0].from[0]: must name principals or namespaces (omit from to match any caller)",
        "AuthorizationPolicy | {rules: [{to: [{}]}]}              | spec.rules[0].to[0]: must name methods or paths (omit to to match any operation)",
        "AuthorizationPolicy | {rules: [{from: [{principals: [frontend]}]}]}   | spec.rules[0].from[0].principals[0]: must be a SPIFFE ID (spiffe://<trust-domain>/ns/<namespace>/sa/<service>) or *, got \"frontend\"",
        "AuthorizationPolicy | {rules: [{from: [{principals: ['spiffe://*/sa/x']}]}]} | spec.rules[0].from[0].principals[0]: * is only allowed at the end, got \"spiffe://*/sa/x\"",
        "AuthorizationPolicy | {rules: [{from: [{principals: spiffe://a}]}]}   | spec.rules[0].from[0].principals: must be a list, got \"spiffe://a\"",
        "AuthorizationPolicy | {rules: [{from: [{namespaces: [Prod]}]}]}       | spec.rules[0].from[0].namespaces[0]: must be * or a DNS-1123 label (at most 63 of a-z, 0-9 and '-', starting and ending alphanumeric), got \"Prod\"",
        "AuthorizationPolicy | {rules: [{from: [{ipBlocks: [1.2.3.4]}]}]}      | spec.rules[0].from[0].ipBlocks: unknown field",
        "AuthorizationPolicy | {rules: [{to: [{methods: ['G T']}]}]}           | spec.rules[0].to[0].methods[0]: must be an HTTP method such as GET, or *, got \"G T\"",
        "AuthorizationPolicy | {rules: [{to: [{paths: [api]}]}]}               | spec.rules[0].to[0].paths[0]: must be *, an exact path such as /api/items, or a prefix such as /api/*, got \"api\"",
        "AuthorizationPolicy | {rules: [{to: [{paths: ['/a/*/b']}]}]}          | spec.rules[0].to[0].paths[0]: must be *, an exact path such as /api/items, or a prefix such as /api/*, got \"/a/*/b\"",
        "AuthorizationPolicy | {rules: [{to: [{methods: [1]}]}]}               | spec.rules[0].to[0].methods[0]: must be a string, got 1",
        "AuthorizationPolicy | {rules: [{when: []}]}                           | spec.rules[0].when: unknown field",
        "RateLimitPolicy     | {burst: 1}                                      | spec.requestsPerSecond: required",
        "RateLimitPolicy     | {requestsPerSecond: 0}                          | spec.requestsPerSecond: must be > 0, got 0",
        "RateLimitPolicy     | {requestsPerSecond: -1.5}                       | spec.requestsPerSecond: must be > 0, got -1.5",
        "RateLimitPolicy     | {requestsPerSecond: fast}                       | spec.requestsPerSecond: must be a number, got \"fast\"",
        "RateLimitPolicy     | {requestsPerSecond: 10, burst: -1}              | spec.burst: must be >= 0, got -1",
        "RateLimitPolicy     | {requestsPerSecond: 10, burst: 1.5}             | spec.burst: must be an integer, got 1.5",
        "RateLimitPolicy     | {requestsPerSecond: 10, perClient: true}        | spec.perClient: unknown field",
    })
    void rejects(String kind, String spec, String expected) {
        assertThat(specProblems(kind, spec)).containsExactly("t.yaml: " + expected);
    }

    @Test
    void peerAuthenticationDefaultsToPermissiveForTheWholeNamespace() {
        assertThat(spec("PeerAuthentication", "{}")).isEqualTo(new PeerAuthenticationSpec(null, new Mtls(MtlsMode.PERMISSIVE)));
        assertThat(spec("PeerAuthentication", "{mtls: {mode: DISABLE}}")).isEqualTo(new PeerAuthenticationSpec(null, new Mtls(MtlsMode.DISABLE)));
    }

    @Test
    void authorizationForms() {
        AuthorizationPolicySpec allowNothing = (AuthorizationPolicySpec) spec("AuthorizationPolicy", "{rules: []}");
        assertThat(allowNothing.action()).isEqualTo(AuthzAction.ALLOW);
        assertThat(allowNothing.rules()).isEmpty();
        AuthorizationPolicySpec allowAll = (AuthorizationPolicySpec) spec("AuthorizationPolicy", "{rules: [{}]}");
        assertThat(allowAll.rules()).containsExactly(new AuthzRule(List.of(), List.of()));
        AuthorizationPolicySpec deny = (AuthorizationPolicySpec) spec("AuthorizationPolicy",
                "{action: DENY, rules: [{from: [{principals: ['*', 'spiffe://skein.local/ns/prod/*'], namespaces: ['*']}],"
                        + " to: [{methods: [post, '*'], paths: ['*', /pkg.Orders/*]}]}]}");
        assertThat(deny.selector()).isNull();
        assertThat(deny.rules().get(0).from().get(0).principals()).containsExactly("*", "spiffe://skein.local/ns/prod/*");
        assertThat(deny.rules().get(0).to().get(0)).isEqualTo(new AuthzOperation(List.of("POST", "*"), List.of("*", "/pkg.Orders/*")));
    }

    @Test
    void rateLimitBurstDefaultsToZeroAndFractionalRatesWork() {
        assertThat(spec("RateLimitPolicy", "{requestsPerSecond: 0.5}")).isEqualTo(new RateLimitPolicySpec(null, 0.5, 0));
    }

    private static PolicySpec spec(String kind, String spec) {
        return TestSupport.one(TestSupport.doc(kind, spec)).spec();
    }
}
