package dev.skein.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.skein.api.KeyLayout;
import dev.skein.it.support.EtcdServer;
import dev.skein.server.ca.CertificateAuthority;
import dev.skein.server.ca.CsrSigner;
import dev.skein.server.ca.Pem;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.election.LeaderKey;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.junit.jupiter.api.Test;

/**
 * The CA's signer with real etcd and real election keys: a CSR whose certificate write was
 * refused because the replica's leadership had just lapsed is signed once the replica leads again,
 * without waiting for another event on that CSR. (In a CI run at load 10 a control plane lost its
 * lease while signing; the CSR taken from the queue then was dropped, and its server never got a
 * certificate.)
 */
class CsrSignerIT {
    private static final String CSR_KEY = "/skein/csr/default/orders/orders-1";
    private static final String CERT_KEY = "/skein/certs/default/orders/orders-1";

    @Test
    void aCsrRefusedUnderALapsedLeadershipIsSignedInTheNextTerm() throws Exception {
        try (EtcdServer etcd = EtcdServer.started();
                Client client = Client.builder().endpoints(etcd.endpoint()).build()) {
            LeaderKey lapsed = campaign(client, "a");
            client.getLeaseClient().revoke(lapsed.getLease()).get(10, TimeUnit.SECONDS); // its election key is gone
            AtomicReference<LeaderKey> leader = new AtomicReference<>(lapsed);
            try (CsrSigner signer = new CsrSigner(client, new KeyLayout("/skein"), CertificateAuthority.createRoot("skein.local"),
                    Duration.ofHours(1), leader::get)) {
                signer.start();
                Thread.sleep(2000); // the signer has read the (empty) CSR prefix and watches it: the CSR comes as an event
                KeyPair pair = KeyPairGenerator.getInstance("EC").generateKeyPair();
                client.getKVClient().put(bytes(CSR_KEY), bytes(csr(pair))).get(10, TimeUnit.SECONDS);
                // The signer takes the CSR and its write is refused: no certificate while the key is stale.
                Thread.sleep(2000);
                assertThat(certificate(client)).isEmpty();

                leader.set(campaign(client, "b"));
                await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100))
                        .until(() -> !certificate(client).isEmpty());
                X509Certificate leaf = Pem.certificates(certificate(client)).get(0);
                assertThat(leaf.getPublicKey().getEncoded()).isEqualTo(pair.getPublic().getEncoded());
                assertThat(signer.issued()).isEqualTo(1);
            }
        }
    }

    /** The certificate's PEM at {@link #CERT_KEY}, empty while there is none. */
    private static String certificate(Client client) throws Exception {
        var kvs = client.getKVClient().get(bytes(CERT_KEY)).get(10, TimeUnit.SECONDS).getKvs();
        return kvs.isEmpty() ? "" : kvs.get(0).getValue().toString(StandardCharsets.UTF_8);
    }

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    private static LeaderKey campaign(Client client, String replica) throws Exception {
        long lease = client.getLeaseClient().grant(30).get(10, TimeUnit.SECONDS).getID();
        return client.getElectionClient()
                .campaign(bytes("/skein/test-election"), lease, bytes(replica))
                .get(10, TimeUnit.SECONDS)
                .getLeader();
    }

    private static String csr(KeyPair pair) throws Exception {
        return Pem.encode(new JcaPKCS10CertificationRequestBuilder(new X500Principal("CN=orders"), pair.getPublic())
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate())));
    }
}
