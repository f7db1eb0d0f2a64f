package dev.skein.server.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** An edge's mTLS state from what the destination's servers counted, not from the policy. */
class EdgeSecurityTest {
    private static PromSamples.Sample mutualTls(String principal, double n) {
        return new PromSamples.Sample(EdgeSecurity.INBOUND,
                Map.of("connection_security_policy", "mutual_tls", "source_principal", principal), n);
    }

    private static PromSamples.Sample plaintext(double n) {
        return new PromSamples.Sample(EdgeSecurity.INBOUND, Map.of("connection_security_policy", "none"), n);
    }

    @Test
    void anEdgeIsMutualTlsPlaintextMixedOrUnknownByWhatItsDestinationSaw() {
        EdgeSecurity s = new EdgeSecurity();
        s.add("orders", mutualTls("spiffe://skein.local/ns/default/sa/frontend", 40));
        s.add("orders", mutualTls("spiffe://skein.local/ns/default/sa/frontend", 20));
        s.add("orders", plaintext(0));
        s.add("inventory", plaintext(30));
        s.add("inventory", mutualTls("spiffe://skein.local/ns/default/sa/orders", 10));
        s.add("payments", plaintext(5));

        assertThat(s.of("frontend", "orders", 60)).containsEntry("mtls", "mTLS").containsEntry("mtlsShare", 100.0);
        // orders sent 30, 10 arrived over mTLS: 20 of inventory's 30 plain-text requests are counted against it.
        assertThat(s.of("orders", "inventory", 30)).containsEntry("mtls", "mixed").containsEntry("mtlsShare", 33.3);
        assertThat(s.of("frontend", "payments", 5)).containsEntry("mtls", "plaintext").containsEntry("mtlsShare", 0.0);
        // Nothing counted at the destination (no admin port, or no request reached it).
        assertThat(s.of("frontend", "catalog", 5)).containsEntry("mtls", "unknown");
        // Another caller's mTLS does not make this edge's: frontend's requests to inventory were not seen over mTLS.
        assertThat(s.of("frontend", "inventory", 10)).containsEntry("mtls", "plaintext");
    }

    @Test
    void plainTextFromOutsideTheMeshDoesNotSpoilAnEdgeWhoseRequestsAllArrivedOverMutualTls() {
        EdgeSecurity s = new EdgeSecurity();
        s.add("orders", mutualTls("spiffe://skein.local/ns/default/sa/frontend", 100));
        s.add("orders", plaintext(3));
        assertThat(s.of("frontend", "orders", 100)).containsEntry("mtls", "mTLS");
        // 9999 of 10000 over mTLS, one plain: mixed, and the share never reads 100%.
        s.add("orders", mutualTls("spiffe://skein.local/ns/default/sa/frontend", 9899));
        assertThat(s.of("frontend", "orders", 10000)).containsEntry("mtls", "mixed").containsEntry("mtlsShare", 99.9);
        assertThat(EdgeSecurity.service("spiffe://skein.local/ns/shop/sa/orders")).isEqualTo("orders");
    }
}
