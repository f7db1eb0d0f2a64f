package dev.skein.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Checks across policies. */
class PolicySetValidatorTest {
    private static final KeyLayout L = new KeyLayout();

    private static Policy parse(String kind, String name, String ns, String spec) {
        return TestSupport.one("kind: " + kind + "\nmetadata: {name: " + name + ", namespace: " + ns + "}\nspec: " + spec + "\n");
    }

    private static String key(Policy p) {
        return L.policyKey(p.kind(), p.namespace(), p.name());
    }

    private static List<String> validate(Policy... policies) {
        Map<String, Policy> map = new HashMap<>();
        for (Policy p : policies) {
            map.put(key(p), p);
        }
        return PolicySetValidator.validate(map).stream().map(Problem::toString).toList();
    }

    private static final Policy DP = parse("DestinationPolicy", "orders", "default",
            "{host: orders, subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}]}");

    @Test
    void knownSubsetsPass() {
        Policy route = parse("Route", "orders", "default", "{host: orders, http: [{route: [{destination: {subset: v1}, weight: 50},"
                + " {destination: {subset: v2}, weight: 50}]}]}");
        assertThat(validate(DP, route)).isEmpty();
    }

    @Test
    void unknownSubsetIsReportedOnTheRoute() {
        Policy route = parse("Route", "orders", "default", "{host: orders, http: [{route: [{destination: {subset: v1}, weight: 50},"
                + " {destination: {subset: v3}, weight: 50}], mirror: {destination: {subset: v9}}}]}");
        assertThat(validate(DP, route)).containsExactly(
                "/skein/policies/default/Route/orders: spec.http[0].route[1].destination.subset: unknown subset v3 for host orders",
                "/skein/policies/default/Route/orders: spec.http[0].mirror.destination.subset: unknown subset v9 for host orders");
    }

    @Test
    void subsetWithoutAnyDestinationPolicy() {
        Policy route = parse("Route", "orders", "default", "{host: orders, http: [{route: [{destination: {subset: v1}}]}]}");
        assertThat(validate(route)).containsExactly("/skein/policies/default/Route/orders: spec.http[0].route[0].destination.subset:"
                + " unknown subset v1 for host orders (no DestinationPolicy for it)");
        Policy noSubset = parse("Route", "orders", "default", "{host: orders, http: [{route: [{destination: {}}]}]}");
        assertThat(validate(noSubset)).isEmpty();
    }

    @Test
    void destinationPolicyIsLookedUpByDestinationHostAndNamespace() {
        Policy other = parse("DestinationPolicy", "pay", "billing", "{host: payments, subsets: [{name: v1, labels: {version: v1}}]}");
        Policy route = parse("Route", "orders", "default", "{host: orders, http: [{route: [{destination: {host: payments.billing, subset: v1}}]}]}");
        assertThat(validate(other, route)).isEmpty();
        Policy wrongNs = parse("Route", "orders", "default", "{host: orders, http: [{route: [{destination: {host: payments, subset: v1}}]}]}");
        assertThat(validate(other, wrongNs)).hasSize(1);
        // A DestinationPolicy in another namespace does not define subsets for this one.
        Policy dpElsewhere = parse("DestinationPolicy", "orders", "shop", "{host: orders, subsets: [{name: v1, labels: {version: v1}}]}");
        Policy route2 = parse("Route", "orders", "default", "{host: orders, http: [{route: [{destination: {subset: v1}}]}]}");
        assertThat(validate(dpElsewhere, route2)).hasSize(1);
    }

    @Test
    void twoRoutesForOneHostFlagTheLaterSource() {
        Policy a = parse("Route", "a", "default", "{host: orders, http: [{route: [{destination: {}}]}]}");
        Policy b = parse("Route", "b", "default", "{host: orders, http: [{route: [{destination: {}}]}]}");
        Policy otherNs = parse("Route", "c", "shop", "{host: orders, http: [{route: [{destination: {}}]}]}");
        assertThat(validate(b, otherNs, a)).containsExactly("/skein/policies/default/Route/b: spec.host: another Route for host orders"
                + " is already defined by /skein/policies/default/Route/a");
    }

    @Test
    void laterMeansNaturalSourceOrder() {
        Policy a = parse("Route", "a", "default", "{host: orders, http: [{route: [{destination: {}}]}]}");
        Policy b = parse("Route", "b", "default", "{host: orders, http: [{route: [{destination: {}}]}]}");
        Map<String, Policy> map = new LinkedHashMap<>();
        map.put("f.yaml#10", a);
        map.put("f.yaml#2", b);
        assertThat(PolicySetValidator.validate(map)).extracting(Problem::source).containsExactly("f.yaml#10");
    }

    @Test
    void otherExclusiveClaims() {
        Policy dp2 = parse("DestinationPolicy", "orders-2", "default", "{host: orders}");
        Policy pa1 = parse("PeerAuthentication", "a", "default", "{}");
        Policy pa2 = parse("PeerAuthentication", "b", "default", "{}");
        Policy pa3 = parse("PeerAuthentication", "c", "default", "{selector: {service: orders}}");
        Policy rl1 = parse("RateLimitPolicy", "a", "default", "{selector: {service: orders}, requestsPerSecond: 1}");
        Policy rl2 = parse("RateLimitPolicy", "b", "default", "{selector: {service: orders}, requestsPerSecond: 2}");
        Policy se1 = parse("ServiceEntry", "a", "default", "{host: orders, endpoints: [{address: h, port: 1}]}");
        Policy se2 = parse("ServiceEntry", "b", "default", "{host: orders.default, endpoints: [{address: h, port: 1}]}");
        Policy az1 = parse("AuthorizationPolicy", "a", "default", "{rules: [{}]}");
        Policy az2 = parse("AuthorizationPolicy", "b", "default", "{rules: [{}]}");
        assertThat(validate(DP, dp2, pa1, pa2, pa3, rl1, rl2, se1, se2, az1, az2)).containsExactlyInAnyOrder(
                "/skein/policies/default/DestinationPolicy/orders-2: spec.host: another DestinationPolicy for host orders is already defined by /skein/policies/default/DestinationPolicy/orders",
                "/skein/policies/default/PeerAuthentication/b: spec: another PeerAuthentication for namespace default is already defined by /skein/policies/default/PeerAuthentication/a",
                "/skein/policies/default/RateLimitPolicy/b: spec.selector.service: another RateLimitPolicy for service orders in namespace default is already defined by /skein/policies/default/RateLimitPolicy/a",
                "/skein/policies/default/ServiceEntry/b: spec.host: another ServiceEntry for host orders.default is already defined by /skein/policies/default/ServiceEntry/a");
    }

    @Test
    void sameIdentityTwiceInFileMode() {
        Policy a = parse("Route", "a", "default", "{host: x, http: [{route: [{destination: {}}]}]}");
        Policy a2 = parse("Route", "a", "default", "{host: y, http: [{route: [{destination: {}}]}]}");
        assertThat(PolicySetValidator.validate(List.of(a, a2))).extracting(Problem::toString)
                .containsExactly("Route default/a #2: metadata.name: duplicate Route default/a, already defined by Route default/a");
        assertThat(PolicySetValidator.validate(Map.of())).isEmpty();
    }
}
