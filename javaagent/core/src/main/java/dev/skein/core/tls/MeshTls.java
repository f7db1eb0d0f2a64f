package dev.skein.core.tls;

import dev.skein.api.KeyLayout;
import dev.skein.api.MtlsMode;
import dev.skein.core.identity.WorkloadIdentity;
import dev.skein.core.state.MeshSnapshot;
import dev.skein.bootstrap.AgentLog;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;

/**
 * Mutual TLS between mesh workloads. Two {@link SSLContext}s, built once: their key and trust
 * managers read the workload identity in force at each handshake, so a renewed certificate or a
 * new trust bundle applies to the next connection with no restart and no new context.
 *
 * <p>Server side: {@link #inbound()} is the context while this workload holds a certificate and
 * its PeerAuthentication is not DISABLE; {@link #plaintextAllowed()} is false under STRICT.
 * Client side: {@link #outbound} is the context for an endpoint that registered {@code tls} and
 * whose DestinationPolicy does not turn TLS off, while this workload holds a certificate.
 */
public final class MeshTls {
  /** Mesh connections speak TLS 1.3 only. */
  public static final String PROTOCOL = "TLSv1.3";

  private final Supplier<WorkloadIdentity> identity;
  private final Supplier<MeshSnapshot> snapshots;
  private final KeyLayout layout;
  private final String namespace;
  private final String service;
  private final SSLContext server;
  private final SSLContext client;
  private volatile MeshEndpoints endpoints;
  private volatile MtlsMode mode = MtlsMode.PERMISSIVE;

  public MeshTls(
      Supplier<WorkloadIdentity> identity, Supplier<MeshSnapshot> snapshots, KeyLayout layout, String namespace, String service) {
    this.identity = identity;
    this.snapshots = snapshots;
    this.layout = layout;
    this.namespace = namespace;
    this.service = service;
    try {
      this.server = context(MeshTrustManager.forServer(identity));
      this.client = context(MeshTrustManager.forClient(identity, this::expectedServer));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("TLS 1.3 is not available in this JVM", e);
    }
  }

  private SSLContext context(MeshTrustManager trust) throws GeneralSecurityException {
    SSLContext context = SSLContext.getInstance(PROTOCOL);
    context.init(new KeyManager[] {new IdentityKeyManager(identity)}, new TrustManager[] {trust}, null);
    return context;
  }

  /** Applies the policies of a new snapshot: the PeerAuthentication mode of this workload. */
  public MtlsMode update(MeshSnapshot snapshot) {
    MtlsMode fresh = service == null ? MtlsMode.PERMISSIVE : PeerAuthentications.modeFor(snapshot.policies(), namespace, service);
    mode = fresh;
    return fresh;
  }

  public MtlsMode mode() {
    return mode;
  }

  /** Whether this workload holds a certificate. */
  public boolean hasIdentity() {
    return identity.get() != null;
  }

  /** Whether servers should accept mesh TLS (and register {@code tls}): a certificate, and not DISABLE. */
  public boolean serving() {
    return mode != MtlsMode.DISABLE && hasIdentity();
  }

  /** The server context, or {@code null} when servers take plain text only. */
  public SSLContext inbound() {
    return serving() ? server : null;
  }

  /** False under STRICT: plain text is refused (also before the certificate arrives: fail closed). */
  public boolean plaintextAllowed() {
    return mode != MtlsMode.STRICT;
  }

  /**
   * The client context for a connection to {@code address:port}, or {@code null} for plain text.
   * Before this workload's first certificate, a call to a STRICT destination (which would refuse
   * plain text) waits for the certificate, at most {@link #CERTIFICATE_WAIT}: right after start,
   * an application's first calls then succeed a moment later instead of failing.
   */
  public SSLContext outbound(String address, int port) {
    MeshEndpoints.Entry entry = endpoints().at(address, port);
    if (entry == null || !entry.tls()) {
      return null;
    }
    if (!hasIdentity() && strict(snapshots.get(), entry)) {
      awaitIdentity(address, port);
    }
    return hasIdentity() ? client : null;
  }

  /** How long a call to a STRICT destination waits for this workload's first certificate. */
  public static final Duration CERTIFICATE_WAIT = Duration.ofSeconds(10);

  private final Object identityArrived = new Object();

  /** Wakes the calls waiting for a certificate (see {@link #outbound}). */
  public void identityChanged() {
    synchronized (identityArrived) {
      identityArrived.notifyAll();
    }
  }

  private void awaitIdentity(String address, int port) {
    AgentLog.debug("mesh TLS: waiting for this workload's certificate before calling " + address + ":" + port + " (STRICT)");
    long deadline = System.nanoTime() + CERTIFICATE_WAIT.toNanos();
    synchronized (identityArrived) {
      long left;
      while (!hasIdentity() && (left = deadline - System.nanoTime()) > 0) {
        try {
          TimeUnit.NANOSECONDS.timedWait(identityArrived, left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  /**
   * Whether the endpoint at {@code address:port} takes only the mesh's TLS (its service is STRICT),
   * so a plain-text call to it would be refused. For callers that have no {@link MeshTls} yet.
   */
  public static boolean strictDestination(MeshSnapshot snapshot, KeyLayout layout, String address, int port) {
    if (snapshot == null) {
      return false;
    }
    MeshEndpoints.Entry entry = new MeshEndpoints(snapshot, layout).at(address, port);
    return entry != null && entry.tls() && strict(snapshot, entry);
  }

  private static boolean strict(MeshSnapshot snapshot, MeshEndpoints.Entry entry) {
    return snapshot != null
        && PeerAuthentications.modeFor(snapshot.policies(), entry.namespace(), entry.service()) == MtlsMode.STRICT;
  }

  private String expectedServer(String address, int port) {
    MeshEndpoints.Entry entry = endpoints().at(address, port);
    WorkloadIdentity now = identity.get();
    String trustDomain = now == null ? null : SpiffeIds.trustDomain(now.spiffeId());
    return entry == null || trustDomain == null ? null : SpiffeIds.of(trustDomain, entry.namespace(), entry.service());
  }

  private MeshEndpoints endpoints() {
    MeshSnapshot snapshot = snapshots.get();
    MeshEndpoints current = endpoints;
    if (snapshot == null) {
      return current == null ? new MeshEndpoints(emptySnapshot(), layout) : current;
    }
    if (current == null || current.snapshot() != snapshot) {
      current = new MeshEndpoints(snapshot, layout);
      endpoints = current;
    }
    return current;
  }

  private static MeshSnapshot emptySnapshot() {
    return new MeshSnapshot(
        0, dev.skein.core.state.ConfigChange.Origin.FILE, java.util.Map.of(), java.util.Map.of(), java.util.Map.of(),
        java.util.Map.of(), java.util.Map.of(), java.util.Map.of(), java.util.Map.of());
  }
}
