package dev.skein.core.identity;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * One immutable snapshot of this workload's identity: its private key (generated in this process,
 * never written anywhere), the certificate chain the mesh CA issued for it, and the trust roots.
 * {@link IdentityManager} swaps a whole new value in on renewal or a trust-bundle change, so a
 * TLS handshake always sees a consistent key, chain and bundle.
 */
public final class WorkloadIdentity {
  private final PrivateKey privateKey;
  private final List<X509Certificate> chain;
  private final List<X509Certificate> trustBundle;
  private final String spiffeId;

  WorkloadIdentity(PrivateKey privateKey, List<X509Certificate> chain, List<X509Certificate> trustBundle, String spiffeId) {
    this.privateKey = privateKey;
    this.chain = List.copyOf(chain);
    this.trustBundle = List.copyOf(trustBundle);
    this.spiffeId = spiffeId;
  }

  public PrivateKey privateKey() {
    return privateKey;
  }

  /** The workload certificate first, then any intermediates. */
  public List<X509Certificate> chain() {
    return chain;
  }

  public X509Certificate certificate() {
    return chain.get(0);
  }

  /** The roots this workload trusts (several during a root rotation). */
  public List<X509Certificate> trustBundle() {
    return trustBundle;
  }

  /** {@code spiffe://<trust-domain>/ns/<ns>/sa/<service>}, from the certificate's URI SAN. */
  public String spiffeId() {
    return spiffeId;
  }

  public Instant notBefore() {
    return certificate().getNotBefore().toInstant();
  }

  public Instant expiry() {
    return certificate().getNotAfter().toInstant();
  }

  /** Half-way through the certificate's life: when the renewal starts. */
  public Instant renewAt() {
    return notBefore().plus(lifetime().dividedBy(2));
  }

  Duration lifetime() {
    return Duration.between(notBefore(), expiry());
  }

  WorkloadIdentity withTrustBundle(List<X509Certificate> bundle) {
    return new WorkloadIdentity(privateKey, chain, bundle, spiffeId);
  }
}
