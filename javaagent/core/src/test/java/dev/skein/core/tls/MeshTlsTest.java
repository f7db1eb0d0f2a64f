package dev.skein.core.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skein.api.Endpoint;
import dev.skein.api.KeyLayout;
import dev.skein.core.identity.TestCa;
import dev.skein.core.identity.WorkloadIdentity;
import dev.skein.core.state.ConfigChange;
import dev.skein.core.state.MeshSnapshot;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Real TLS 1.3 handshakes over loopback between two {@link MeshTls} engines: mutual authentication
 * with SPIFFE IDs, the server identity check, a foreign CA, renewal and a new root without a new
 * context.
 */
class MeshTlsTest {
  private static final String ORDERS = "spiffe://skein.local/ns/default/sa/orders";
  private static final String FRONT = "spiffe://skein.local/ns/default/sa/front";
  private final KeyLayout layout = new KeyLayout();
  private TestCa ca;
  private final AtomicReference<WorkloadIdentity> serverId = new AtomicReference<>();
  private final AtomicReference<WorkloadIdentity> clientId = new AtomicReference<>();
  private final AtomicReference<MeshSnapshot> snapshot = new AtomicReference<>();
  private SSLServerSocket server;
  private MeshTls serverTls;
  private MeshTls clientTls;

  @BeforeEach
  void setUp() throws Exception {
    ca = new TestCa("mesh root");
    serverId.set(ca.issue(ORDERS, List.of(ca.root())));
    clientId.set(ca.issue(FRONT, List.of(ca.root())));
    serverTls = new MeshTls(serverId::get, snapshot::get, layout, "default", "orders");
    clientTls = new MeshTls(clientId::get, snapshot::get, layout, "default", "front");
    server = (SSLServerSocket) serverTls.inbound().getServerSocketFactory().createServerSocket(0, 50, InetAddress.getLoopbackAddress());
    server.setNeedClientAuth(true);
    server.setEnabledProtocols(new String[] {"TLSv1.3"});
    register("orders", true);
  }

  @AfterEach
  void tearDown() throws Exception {
    server.close();
  }

  private void register(String service, boolean tls) {
    Endpoint e = new Endpoint("127.0.0.1", server.getLocalPort(), "http", Map.of(), tls);
    snapshot.set(
        new MeshSnapshot(
            1, ConfigChange.Origin.ETCD, Map.of(), Map.of(layout.endpointKey("default", service, "i-1"), e), Map.of(), Map.of(),
            Map.of(), Map.of(), Map.of()));
  }

  /** One handshake; returns the SPIFFE ID of the client as the server saw it, and the server's as the client saw it. */
  private List<String> handshake(SSLContext client) throws Exception {
    CompletableFuture<String> seen =
        CompletableFuture.supplyAsync(
            () -> {
              try (SSLSocket s = (SSLSocket) server.accept()) {
                s.startHandshake();
                String id = SpiffeIds.fromCertificate((X509Certificate) s.getSession().getPeerCertificates()[0]);
                try (InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                  out.write(in.read());
                  out.flush();
                }
                return s.getSession().getProtocol() + " " + id;
              } catch (Exception e) {
                return "failed: " + e;
              }
            });
    try (SSLSocket s = (SSLSocket) client.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
      s.setEnabledProtocols(new String[] {"TLSv1.3"});
      s.getOutputStream().write(7);
      s.getOutputStream().flush();
      assertThat(s.getInputStream().read()).isEqualTo(7);
      String serverSeen = SpiffeIds.fromCertificate((X509Certificate) s.getSession().getPeerCertificates()[0]);
      return List.of(seen.get(10, TimeUnit.SECONDS), serverSeen);
    } catch (SSLException e) {
      seen.get(10, TimeUnit.SECONDS);
      throw e;
    }
  }

  @Test
  void mutualTls13WithTheSpiffeIdsOfBothSides() throws Exception {
    SSLContext client = clientTls.outbound("127.0.0.1", server.getLocalPort());
    assertThat(client).isNotNull();
    assertThat(handshake(client)).containsExactly("TLSv1.3 " + FRONT, ORDERS);
  }

  @Test
  void beforeItsFirstCertificateAClientWaitsForItOnlyTowardsAStrictDestination() throws Exception {
    WorkloadIdentity later = clientId.getAndSet(null);
    assertThat(clientTls.outbound("127.0.0.1", server.getLocalPort())).as("PERMISSIVE: plain text, at once").isNull();

    dev.skein.api.Policy strict = dev.skein.api.PolicyParser.parse("test", """
        kind: PeerAuthentication
        metadata: {name: orders}
        spec: {selector: {service: orders}, mtls: {mode: STRICT}}
        """).policies().get(0);
    MeshSnapshot s = snapshot.get();
    snapshot.set(new MeshSnapshot(2, s.origin(), Map.of("strict", strict), s.endpoints(), Map.of(), Map.of(), Map.of(), Map.of(), Map.of()));
    assertThat(MeshTls.strictDestination(snapshot.get(), layout, "127.0.0.1", server.getLocalPort())).isTrue();
    CompletableFuture<SSLContext> waiting = CompletableFuture.supplyAsync(() -> clientTls.outbound("127.0.0.1", server.getLocalPort()));
    Thread.sleep(200);
    assertThat(waiting).as("STRICT: waits for the certificate").isNotDone();
    clientId.set(later);
    clientTls.identityChanged();
    SSLContext client = waiting.get(5, TimeUnit.SECONDS);
    assertThat(client).isNotNull();
    assertThat(handshake(client)).containsExactly("TLSv1.3 " + FRONT, ORDERS);
  }

  @Test
  void plainTextTowardsEndpointsThatDoNotTakeTlsAndHostsOutsideTheMesh() {
    register("orders", false);
    assertThat(clientTls.outbound("127.0.0.1", server.getLocalPort())).isNull();
    assertThat(clientTls.outbound("10.1.2.3", 443)).isNull();
  }

  @Test
  void theClientRefusesAServerWhoseIdIsNotTheRegisteredService() throws Exception {
    register("payments", true); // the endpoint at this address belongs to payments, the server is orders
    SSLContext client = clientTls.outbound("127.0.0.1", server.getLocalPort());
    assertThatThrownBy(() -> handshake(client)).isInstanceOf(java.io.IOException.class); // SSLException, or a broken pipe when the server closes first
  }

  @Test
  void theServerRefusesACertificateOfAnotherCa() throws Exception {
    TestCa foreign = new TestCa("foreign root");
    clientId.set(foreign.issue(FRONT, List.of(ca.root())));
    SSLContext client = clientTls.outbound("127.0.0.1", server.getLocalPort());
    assertThatThrownBy(() -> handshake(client)).isInstanceOf(java.io.IOException.class); // SSLException, or a broken pipe when the server closes first
  }

  @Test
  void aRenewedCertificateAndANewRootApplyToTheNextHandshakeWithTheSameContexts() throws Exception {
    SSLContext client = clientTls.outbound("127.0.0.1", server.getLocalPort());
    assertThat(handshake(client)).containsExactly("TLSv1.3 " + FRONT, ORDERS);
    // A new root beside the old, and the client renewed under it: the server trusts it at once.
    TestCa next = new TestCa("next root");
    List<X509Certificate> both = List.of(ca.root(), next.root());
    serverId.set(ca.issue(ORDERS, both));
    clientId.set(next.issue(FRONT, both));
    assertThat(clientTls.outbound("127.0.0.1", server.getLocalPort())).isSameAs(client);
    assertThat(handshake(client)).containsExactly("TLSv1.3 " + FRONT, ORDERS);
  }
}
