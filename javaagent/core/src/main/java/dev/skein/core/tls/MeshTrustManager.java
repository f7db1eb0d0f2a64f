package dev.skein.core.tls;

import dev.skein.core.identity.WorkloadIdentity;
import java.net.InetAddress;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Trusts what the mesh CA issued, and nothing else: the peer's chain must verify against the trust
 * bundle in force at this handshake (so a new root rolls out without a restart) and carry a SPIFFE
 * ID in this workload's trust domain. As a client it also checks that the server's ID is that of
 * the service registered at the address it connects to: another mesh workload cannot pose as it.
 */
final class MeshTrustManager extends X509ExtendedTrustManager {
  /** The SPIFFE ID expected of the server at {@code address:port}, or {@code null} when it is no mesh endpoint. */
  interface ExpectedServer {
    String idOf(String address, int port);
  }

  private final Supplier<WorkloadIdentity> identity;
  private final ExpectedServer expected; // null: server role
  private volatile Anchors anchors;

  private MeshTrustManager(Supplier<WorkloadIdentity> identity, ExpectedServer expected) {
    this.identity = identity;
    this.expected = expected;
  }

  static MeshTrustManager forServer(Supplier<WorkloadIdentity> identity) {
    return new MeshTrustManager(identity, null);
  }

  static MeshTrustManager forClient(Supplier<WorkloadIdentity> identity, ExpectedServer expected) {
    return new MeshTrustManager(identity, expected);
  }

  /** PKIX parameters for one trust bundle, rebuilt only when the bundle changes. */
  private record Anchors(List<X509Certificate> bundle, PKIXParameters params) {}

  /** Verifies the chain against the bundle in force; returns the leaf's SPIFFE ID. */
  private String verify(X509Certificate[] chain) throws CertificateException {
    WorkloadIdentity now = identity.get();
    if (now == null || now.trustBundle().isEmpty()) {
      throw new CertificateException("skein: this workload has no mesh certificate yet");
    }
    if (chain == null || chain.length == 0) {
      throw new CertificateException("skein: the peer sent no certificate");
    }
    try {
      Anchors a = anchors;
      if (a == null || a.bundle() != now.trustBundle()) {
        Set<TrustAnchor> roots = new HashSet<>();
        now.trustBundle().forEach(r -> roots.add(new TrustAnchor(r, null)));
        PKIXParameters params = new PKIXParameters(roots);
        params.setRevocationEnabled(false);
        a = new Anchors(now.trustBundle(), params);
        anchors = a;
      }
      CertPathValidator.getInstance("PKIX")
          .validate(CertificateFactory.getInstance("X.509").generateCertPath(Arrays.asList(chain)), a.params());
    } catch (GeneralSecurityException e) {
      throw new CertificateException("skein: the peer's certificate is not issued by the mesh CA: " + e.getMessage(), e);
    }
    String peerId = SpiffeIds.fromCertificate(chain[0]);
    String trustDomain = SpiffeIds.trustDomain(now.spiffeId());
    if (peerId == null || trustDomain == null || !trustDomain.equals(SpiffeIds.trustDomain(peerId))) {
      throw new CertificateException("skein: the peer's certificate has no SPIFFE ID in trust domain " + trustDomain + ": " + peerId);
    }
    return peerId;
  }

  private void checkServer(X509Certificate[] chain, String host, int port) throws CertificateException {
    String peerId = verify(chain);
    String wanted = expected.idOf(host, port);
    if (wanted == null) {
      throw new CertificateException("skein: " + host + ":" + port + " is not a mesh endpoint");
    }
    if (!wanted.equals(peerId)) {
      throw new CertificateException("skein: the server at " + host + ":" + port + " is " + peerId + ", expected " + wanted);
    }
  }

  private static String host(Socket socket) {
    InetAddress address = socket == null ? null : socket.getInetAddress();
    return address == null ? null : address.getHostAddress();
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
    verify(chain);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
    verify(chain);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    verify(chain);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
    if (expected == null) {
      throw new CertificateException("skein: server-side trust manager");
    }
    checkServer(chain, engine == null ? null : engine.getPeerHost(), engine == null ? -1 : engine.getPeerPort());
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
    if (expected == null) {
      throw new CertificateException("skein: server-side trust manager");
    }
    checkServer(chain, host(socket), socket == null ? -1 : socket.getPort());
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    throw new CertificateException("skein: a mesh connection needs its peer address to check the server's identity");
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    WorkloadIdentity now = identity.get();
    return now == null ? new X509Certificate[0] : now.trustBundle().toArray(new X509Certificate[0]);
  }
}
