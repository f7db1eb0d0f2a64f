package dev.skein.core.authz;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skein.api.ParseResult;
import dev.skein.api.Policy;
import dev.skein.api.PolicyParser;
import dev.skein.core.authz.Authorizer.Verdict;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AuthorizerTest {
  static final String FRONTEND = "spiffe://skein.local/ns/default/sa/frontend";
  private final List<String> audits = new ArrayList<>();
  private final Authorizer authorizer = new Authorizer("default", "orders", audits::add);

  private void apply(String... yaml) {
    Map<String, Policy> policies = new LinkedHashMap<>();
    for (String doc : yaml) {
      ParseResult parsed = PolicyParser.parse("test", doc);
      assertThat(parsed.ok()).as(parsed.problemsText()).isTrue();
      parsed.policies().forEach(p -> policies.put(p.name(), p));
    }
    authorizer.update(policies);
  }

  @Test
  void withoutPoliciesEverythingIsAllowed() {
    apply();
    assertThat(authorizer.inForce()).isFalse();
    assertThat(authorizer.decide("DELETE", "/anything", null)).isEqualTo(Verdict.ALLOW);
  }

  @Test
  void allowMatchesPathsMethodsAndPrincipalsAndDeniesTheRest() {
    apply("""
        kind: AuthorizationPolicy
        metadata: {name: readers}
        spec:
          selector: {service: orders}
          rules:
            - from: [{principals: ["%s"]}]
              to: [{methods: [GET], paths: ["/api/*", "/exact"]}]
            - to: [{paths: ["/orders.Orders/Get"]}]
        """.formatted(FRONTEND));
    assertThat(authorizer.decide("GET", "/api/items?x=1", FRONTEND)).isEqualTo(Verdict.ALLOW);
    assertThat(authorizer.decide("GET", "/exact", FRONTEND)).isEqualTo(Verdict.ALLOW);
    assertThat(authorizer.decide("GET", "/exact/more", FRONTEND)).isEqualTo(Verdict.DENY);
    assertThat(authorizer.decide("POST", "/api/items", FRONTEND)).isEqualTo(Verdict.DENY);
    assertThat(authorizer.decide("GET", "/api/items", "spiffe://skein.local/ns/default/sa/other")).isEqualTo(Verdict.DENY);
    assertThat(authorizer.decide("GET", "/api/items", null)).isEqualTo(Verdict.DENY);
    assertThat(authorizer.decide("POST", "/orders.Orders/Get", null)).isEqualTo(Verdict.ALLOW);
    assertThat(authorizer.decide("POST", "/orders.Orders/Delete", null)).isEqualTo(Verdict.DENY);
  }

  @Test
  void denyWinsAndNamespacesComeFromTheSpiffeId() {
    apply(
        """
        kind: AuthorizationPolicy
        metadata: {name: all}
        spec: {rules: [{}]}
        """,
        """
        kind: AuthorizationPolicy
        metadata: {name: no-batch}
        spec:
          action: DENY
          rules: [{from: [{namespaces: [batch]}]}, {to: [{paths: ["/admin/*"]}]}]
        """);
    assertThat(authorizer.decide("GET", "/api", FRONTEND)).isEqualTo(Verdict.ALLOW);
    assertThat(authorizer.decide("GET", "/admin/x", FRONTEND)).isEqualTo(Verdict.DENY);
    assertThat(authorizer.decide("GET", "/api", "spiffe://skein.local/ns/batch/sa/job")).isEqualTo(Verdict.DENY);
  }

  @Test
  void auditCountsWithoutDenyingAndPoliciesOfOtherServicesDoNotApply() {
    apply(
        """
        kind: AuthorizationPolicy
        metadata: {name: trial}
        spec:
          selector: {service: orders}
          action: AUDIT
          rules: [{to: [{methods: [DELETE]}]}]
        """,
        """
        kind: AuthorizationPolicy
        metadata: {name: billing-only}
        spec:
          selector: {service: billing}
          rules: []
        """);
    assertThat(authorizer.decide("DELETE", "/api", null)).isEqualTo(Verdict.ALLOW);
    assertThat(authorizer.decide("GET", "/api", null)).isEqualTo(Verdict.ALLOW);
    assertThat(audits).containsExactly("trial");
    assertThat(authorizer.auditedCount()).isEqualTo(1);
    assertThat(authorizer.describe()).containsEntry("audit", List.of("trial")).containsEntry("allow", List.of());
  }

  @Test
  void peerIdentityReadsTheNamespace() {
    assertThat(PeerIdentity.namespace(FRONTEND)).isEqualTo("default");
    assertThat(PeerIdentity.namespace(null)).isNull();
    assertThat(PeerIdentity.spiffeId(null)).isNull();
  }
}
