package dev.skein.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The etcd key layout. */
class KeyLayoutTest {
    private final KeyLayout layout = new KeyLayout("/skein");

    @Test
    void prefixes() {
        assertThat(layout.prefix()).isEqualTo("/skein");
        assertThat(layout.policiesPrefix()).isEqualTo("/skein/policies/");
        assertThat(layout.endpointsPrefix()).isEqualTo("/skein/endpoints/");
        assertThat(layout.statusPrefix()).isEqualTo("/skein/status/");
        assertThat(layout.agentsPrefix()).isEqualTo("/skein/status/agents/");
        assertThat(layout.policyStatusPrefix()).isEqualTo("/skein/status/policies/");
        assertThat(layout.caPrefix()).isEqualTo("/skein/ca/");
        assertThat(layout.csrPrefix()).isEqualTo("/skein/csr/");
        assertThat(layout.certsPrefix()).isEqualTo("/skein/certs/");
    }

    @Test
    void prefixIsNormalised() {
        assertThat(new KeyLayout("/skein/").prefix()).isEqualTo("/skein");
        assertThat(new KeyLayout("mesh//").prefix()).isEqualTo("/mesh");
        assertThat(new KeyLayout().prefix()).isEqualTo("/skein");
        assertThat(new KeyLayout(null).prefix()).isEqualTo("/skein");
        assertThat(new KeyLayout("/").policiesPrefix()).isEqualTo("/policies/");
        assertThat(new KeyLayout("/a/")).isEqualTo(new KeyLayout("/a")).hasSameHashCodeAs(new KeyLayout("a"));
    }

    @Test
    void policyKeys() {
        String key = layout.policyKey(PolicyKind.Route, "default", "orders");
        assertThat(key).isEqualTo("/skein/policies/default/Route/orders");
        assertThat(layout.parsePolicyKey(key)).contains(new PolicyRef("default", PolicyKind.Route, "orders"));
        assertThat(layout.policyKey(new PolicyRef("a", PolicyKind.ServiceEntry, "b"))).isEqualTo("/skein/policies/a/ServiceEntry/b");
        assertThat(layout.policyStatusKey(new PolicyRef("a", PolicyKind.Route, "b"))).isEqualTo("/skein/status/policies/a/Route/b");
        assertThat(layout.agentStatusKey("orders-1")).isEqualTo("/skein/status/agents/orders-1");
        for (String bad : new String[] {"/skein/policies/default/Route", "/skein/policies/default/Route/orders/x",
                "/skein/policies/default/route/orders", "/skein/policies/Default/Route/orders", "/skein/policies//Route/orders",
                "/other/policies/default/Route/orders", "/skein/policies/default/Route/", null}) {
            assertThat(layout.parsePolicyKey(bad)).as(bad).isEmpty();
        }
        assertThatThrownBy(() -> layout.policyKey(PolicyKind.Route, "a/b", "x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> layout.policyKey(PolicyKind.Route, "a", null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void endpointKeys() {
        String key = layout.endpointKey("default", "orders", "host-1:8081");
        assertThat(key).isEqualTo("/skein/endpoints/default/orders/host-1:8081");
        assertThat(layout.parseEndpointKey(key)).contains(new EndpointRef("default", "orders", "host-1:8081"));
        assertThat(layout.parseEndpointKey("/skein/endpoints/default/orders")).isEmpty();
        assertThat(layout.parseEndpointKey("/skein/endpoints/default/orders/a/b")).isEmpty();
        assertThat(layout.parseEndpointKey("/skein/policies/default/orders/a")).isEmpty();
        assertThatThrownBy(() -> layout.endpointKey("default", "orders", "a/b")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> layout.endpointKey("default", "orders", "")).isInstanceOf(IllegalArgumentException.class);
    }
}
