package dev.skein.core.identity;

import dev.skein.api.KeyLayout;
import dev.skein.bootstrap.AgentLog;
import dev.skein.core.discovery.LeasedKeys;
import dev.skein.core.etcd.EtcdGateway;
import dev.skein.core.etcd.GatewayWatch;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Obtains and renews this workload's certificate through etcd, and holds the current
 * {@link WorkloadIdentity} (swapped atomically; what mutual TLS uses).
 *
 * <p>The agent writes a CSR for a fresh in-memory key at {@code <prefix>/csr/<ns>/<service>/<instance>}
 * under its lease; the control plane answers at {@code <prefix>/certs/...}. At half the
 * certificate's life a new key and CSR go out while the old certificate keeps serving, so there
 * is never a moment without one. The trust bundle at {@code <prefix>/ca/bundle} is watched and
 * applied live. Who may ask for which identity is decided by etcd's access control; without etcd
 * authentication the mesh is in an insecure development mode, and says so once.
 */
public final class IdentityManager {
  private static final Duration CHECK_EVERY = Duration.ofSeconds(5);
  private static final Duration REFUSED_RETRY = Duration.ofSeconds(60);
  private static final Duration WARN_EVERY = Duration.ofHours(1);
  private static final Duration ANCHOR_WARNING = Duration.ofDays(30);
  // Once expired, say so every few minutes: it is an outage.
  private static final Duration EXPIRED_EVERY = Duration.ofMinutes(5);

  // Null until connected (connect): the first request may go out before, on its own lease.
  private volatile EtcdGateway etcd;
  private volatile LeasedKeys keys;
  private final String namespace;
  private final String service;
  private final String csrKey;
  private final String certKey;
  private final String bundleKey;
  private final boolean authenticated;
  private final Consumer<WorkloadIdentity> onChange;
  private final AtomicReference<WorkloadIdentity> current = new AtomicReference<>();
  private final ScheduledThreadPoolExecutor executor;
  private volatile List<X509Certificate> bundle = List.of();
  // Touched only on the executor's single thread.
  private CertificateRequest pending;
  // The first key pair and CSR, generated on a thread of their own from construction on, so that
  // the key generation overlaps the agent's first read of etcd instead of following it; null once taken.
  private java.util.concurrent.CompletableFuture<CertificateRequest> firstRequest;
  // The CSR sent first, handed to LeasedKeys once connected (so a new lease rewrites it).
  private volatile String firstCsr;
  private volatile java.util.concurrent.ScheduledFuture<?> firstLeaseKeepAlive;
  private Instant nextRequestAllowed = Instant.MIN;
  private Instant certWarned = Instant.MIN;
  private Instant anchorWarned = Instant.MIN;

  public IdentityManager(
      EtcdGateway etcd, LeasedKeys keys, KeyLayout layout, String namespace, String service, String instance, boolean authenticated,
      Consumer<WorkloadIdentity> onChange) {
    this.etcd = etcd;
    this.keys = keys;
    this.namespace = namespace;
    this.service = service;
    String path = namespace + "/" + service + "/" + instance;
    this.csrKey = layout.csrPrefix() + path;
    this.certKey = layout.certsPrefix() + path;
    this.bundleKey = layout.caPrefix() + "bundle";
    this.authenticated = authenticated;
    this.onChange = onChange;
    this.executor =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, "skein-identity");
              t.setDaemon(true);
              return t;
            });
    this.firstRequest = new java.util.concurrent.CompletableFuture<>();
    java.util.concurrent.CompletableFuture<CertificateRequest> first = firstRequest;
    Thread keyGeneration = new Thread(
        () -> {
          try {
            long began = System.nanoTime();
            first.complete(CertificateRequest.create(namespace, service));
            AgentLog.debug("first key pair and CSR made in " + (System.nanoTime() - began) / 1_000_000 + " ms");
          } catch (Throwable t) {
            first.completeExceptionally(t);
          }
        },
        "skein-identity-key");
    keyGeneration.setDaemon(true);
    keyGeneration.start();
  }

  /** The identity in force, or null before the first certificate arrives. */
  public WorkloadIdentity current() {
    return current.get();
  }

  /**
   * Sends the first CSR under a lease of its own and polls for the certificate, on the identity
   * thread, before this manager is connected (which waits for the agent's start-up to settle):
   * under STRICT mTLS the first call waits for the certificate. Answers the lease
   * the CSR was written under (0 when none), completed as soon as the CSR is in; the agent's
   * {@link LeasedKeys} adopts it. Any failure leaves the first request to {@link #start}.
   */
  public java.util.concurrent.CompletableFuture<Long> requestFirst(
      EtcdGateway gateway, long leaseTtlSeconds, Duration wait) {
    java.util.concurrent.CompletableFuture<Long> lease = new java.util.concurrent.CompletableFuture<>();
    executor.execute(
        () -> {
          try {
            dev.skein.core.InternalCalls.run(
                () -> {
                  sendFirstAndPoll(gateway, leaseTtlSeconds, wait, lease);
                  return null;
                });
          } catch (Exception e) {
            AgentLog.debug("first certificate request failed, the identity's checks take over: " + e);
          } finally {
            lease.complete(0L);
          }
        });
    return lease;
  }

  private void sendFirstAndPoll(
      EtcdGateway gateway, long leaseTtlSeconds, Duration wait,
      java.util.concurrent.CompletableFuture<Long> lease) throws Exception {
    long began = System.nanoTime();
    CertificateRequest request = firstOrFresh();
    AgentLog.debug("first certificate request: waited " + (System.nanoTime() - began) / 1_000_000 + " ms for the key pair");
    long id;
    try {
      id = gateway.putUnderNewLease(csrKey, request.pem(), leaseTtlSeconds);
    } catch (Exception e) {
      if (EtcdGateway.refused(e)) {
        refused();
        return;
      }
      firstRequest = java.util.concurrent.CompletableFuture.completedFuture(request); // start() sends this one
      throw e;
    }
    pending = request;
    firstCsr = request.pem();
    // Until LeasedKeys adopts the lease (it may start seconds later, after the first request), the
    // lease is renewed here.
    long every = Math.max(500, leaseTtlSeconds * 1000 / 3);
    firstLeaseKeepAlive =
        executor.scheduleWithFixedDelay(
            () -> {
              try {
                gateway.keepAlive(id);
              } catch (Exception e) {
                AgentLog.debug("lease keep-alive of the first certificate request failed: " + e);
              }
            },
            every, every, TimeUnit.MILLISECONDS);
    lease.complete(id);
    AgentLog.info("requested a certificate at " + csrKey);
    long deadline = System.nanoTime() + wait.toNanos();
    long renewAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(every);
    while (pending != null && System.nanoTime() < deadline) {
      if (System.nanoTime() >= renewAt) { // the scheduled renewal waits while this loop holds the thread
        gateway.keepAlive(id);
        renewAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(every);
      }
      if (bundle.isEmpty()) {
        applyBundle(text(gateway.get(bundleKey)));
      }
      accept(text(gateway.get(certKey)), " (the first request's poll)");
      if (pending != null) {
        Thread.sleep(50);
      }
    }
  }

  /**
   * The agent's etcd client and leased keys are set up: later reads, renewals and the watch go
   * through them. A CSR already sent is registered with {@code keys} (whose lease the caller has
   * adopted).
   */
  public void connect(EtcdGateway client, LeasedKeys leasedKeys) {
    this.etcd = client;
    this.keys = leasedKeys;
    java.util.concurrent.ScheduledFuture<?> renewing = firstLeaseKeepAlive;
    if (renewing != null) {
      renewing.cancel(false);
    }
    String sent = firstCsr;
    if (sent != null) {
      leasedKeys.put(csrKey, sent);
    } else {
      executor.execute(
          () -> {
            String late = firstCsr;
            if (late != null) {
              leasedKeys.put(csrKey, late);
            }
          });
    }
  }

  /** Sends the first CSR and starts watching for certificates and trust-bundle changes. */
  public void start() {
    if (!authenticated) {
      AgentLog.warn(
          "INSECURE DEVELOPMENT MODE: this agent talks to etcd without authentication, so any agent can ask for any "
              + "service's identity; set up etcd users and roles per service (README, \"Identities and attestation\")");
    }
    Thread watcher = new Thread(this::watchCertificateAndBundle, "skein-identity-watch");
    watcher.setDaemon(true);
    watcher.start();
    executor.scheduleWithFixedDelay(this::safeCheck, 0, CHECK_EVERY.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Watches the certificate and trust-bundle keys, checking at each change, and watches again
   * (after a check, for what changed meanwhile) when the watch ends. The periodic check covers
   * the time without one.
   */
  private void watchCertificateAndBundle() {
    while (!executor.isShutdown()) {
      java.util.concurrent.CountDownLatch ended = new java.util.concurrent.CountDownLatch(1);
      GatewayWatch.Listener listener =
          new GatewayWatch.Listener() {
            @Override
            public void onEvents(List<GatewayWatch.Event> events) {
              executor.execute(IdentityManager.this::safeCheck);
            }

            @Override
            public void onEnd(Throwable error) {
              if (error != null) {
                AgentLog.debug("identity watch ended: " + error);
              }
              ended.countDown();
            }
          };
      try (GatewayWatch watch =
          etcd.watch(0, listener, "skein-identity-watch-stream", EtcdGateway.WatchRange.key(certKey), EtcdGateway.WatchRange.key(bundleKey))) {
        executor.execute(this::safeCheck);
        ended.await();
      } catch (InterruptedException | java.util.concurrent.RejectedExecutionException e) {
        return; // closed
      } catch (Exception e) {
        AgentLog.debug("identity watch: " + e);
      }
      try {
        Thread.sleep(1_000);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private void safeCheck() {
    try {
      check();
    } catch (Exception e) {
      AgentLog.debug("identity check failed, retrying: " + e);
    }
  }

  private void check() throws Exception {
    readBundle();
    readCertificate();
    WorkloadIdentity now = current.get();
    Instant clock = Instant.now();
    if (pending == null && (now == null || !clock.isBefore(now.renewAt())) && !clock.isBefore(nextRequestAllowed)) {
      request();
    }
    warnIfExpiring(now, clock);
  }

  /** Writes a CSR for a fresh key; the certificate in force keeps serving until the new one arrives. */
  private void request() throws Exception {
    CertificateRequest request = firstOrFresh();
    if (!mayWrite()) {
      refused();
      return;
    }
    pending = request;
    keys.put(csrKey, request.pem());
    AgentLog.info((current.get() == null ? "requested a certificate" : "renewing the certificate") + " at " + csrKey);
  }

  private void refused() {
    nextRequestAllowed = Instant.now().plus(REFUSED_RETRY);
    AgentLog.warn(
        "etcd refused this agent's certificate request at " + csrKey + " (permission denied): its etcd user may not "
            + "ask for the identity of service '" + service + "'; no certificate, retrying in "
            + REFUSED_RETRY.toSeconds() + "s");
  }

  /** The key pair generated at construction, the first time; a fresh one after (renewals, refusals). */
  private CertificateRequest firstOrFresh() throws Exception {
    java.util.concurrent.CompletableFuture<CertificateRequest> first = firstRequest;
    firstRequest = null;
    if (first != null) {
      try {
        return first.get(30, TimeUnit.SECONDS);
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
        AgentLog.debug("the first key pair could not be generated ahead, generating it now: " + e);
      }
    }
    return CertificateRequest.create(namespace, service);
  }

  /**
   * Asks etcd whether this user may write the CSR key, with a transaction whose condition never
   * holds: etcd checks the permissions of every operation in it, but writes nothing. (A plain put
   * would leave a key outside the agent's lease.)
   */
  private boolean mayWrite() throws Exception {
    return etcd.mayPut(csrKey);
  }

  private void readBundle() throws Exception {
    applyBundle(text(etcd.get(bundleKey)));
  }

  private void applyBundle(String pem) throws Exception {
    List<X509Certificate> fresh = pem == null ? List.of() : parse(pem);
    if (fresh.equals(bundle)) {
      return;
    }
    bundle = fresh;
    AgentLog.info("trust bundle at " + bundleKey + ": " + fresh.size() + " root(s)");
    WorkloadIdentity now = current.get();
    if (now != null && !fresh.isEmpty()) {
      publish(now.withTrustBundle(fresh));
    }
  }

  private void readCertificate() throws Exception {
    if (pending == null || bundle.isEmpty()) {
      return;
    }
    accept(text(etcd.get(certKey)), "");
  }

  /** Takes the certificate at {@link #certKey} when it certifies the pending key and chains to the bundle. */
  private void accept(String pem, String how) throws Exception {
    if (pem == null || pending == null || bundle.isEmpty()) {
      return;
    }
    List<X509Certificate> chain = parse(pem);
    if (chain.isEmpty()
        || !Arrays.equals(chain.get(0).getPublicKey().getEncoded(), pending.keyPair().getPublic().getEncoded())) {
      return; // still the previous certificate: the new one is on its way
    }
    try {
      verify(chain, bundle);
    } catch (Exception e) {
      AgentLog.warn("ignoring the certificate at " + certKey + ": it does not chain to the trust bundle: " + e.getMessage());
      return;
    }
    WorkloadIdentity fresh = new WorkloadIdentity(pending.keyPair().getPrivate(), chain, bundle, spiffeId(chain.get(0)));
    pending = null;
    publish(fresh);
    AgentLog.info(
        "workload certificate " + fresh.spiffeId() + " serial " + fresh.certificate().getSerialNumber().toString(16)
            + ", expires " + fresh.expiry() + ", renews at " + fresh.renewAt() + how);
  }

  private void publish(WorkloadIdentity identity) {
    current.set(identity);
    try {
      onChange.accept(identity);
    } catch (RuntimeException e) {
      AgentLog.debug("identity listener failed: " + e);
    }
  }

  private void warnIfExpiring(WorkloadIdentity now, Instant clock) {
    if (now != null && clock.isAfter(now.expiry()) && clock.isAfter(certWarned.plus(EXPIRED_EVERY))) {
      certWarned = clock;
      AgentLog.error(
          "the workload certificate " + now.spiffeId() + " EXPIRED at " + now.expiry() + " and no renewal has arrived: "
              + "mesh TLS connections to and from this workload fail until the control plane signs a new one",
          null);
    } else if (now != null && clock.isAfter(now.expiry().minus(now.lifetime().dividedBy(10))) && clock.isAfter(certWarned.plus(WARN_EVERY))) {
      certWarned = clock;
      AgentLog.warn(
          "the workload certificate " + now.spiffeId() + " has under 10% of its life left (expires " + now.expiry()
              + ") and no renewal has arrived: is the control plane signing?");
    }
    for (X509Certificate root : bundle) {
      Instant end = root.getNotAfter().toInstant();
      if (clock.isAfter(end) && clock.isAfter(anchorWarned.plus(EXPIRED_EVERY))) {
        anchorWarned = clock;
        AgentLog.error(
            "the mesh trust anchor " + root.getSubjectX500Principal().getName() + " EXPIRED at " + end
                + ": no certificate issued under it verifies any more; publish a new root and re-issue",
            null);
      } else if (clock.plus(ANCHOR_WARNING).isAfter(end) && clock.isAfter(anchorWarned.plus(WARN_EVERY))) {
        anchorWarned = clock;
        AgentLog.warn(
            "the mesh trust anchor " + root.getSubjectX500Principal().getName() + " expires " + end
                + ": rotate the root (publish a new one beside it) before every mesh certificate stops verifying");
      }
    }
  }

  private static void verify(List<X509Certificate> chain, List<X509Certificate> roots) throws Exception {
    Set<TrustAnchor> anchors = new HashSet<>();
    roots.forEach(r -> anchors.add(new TrustAnchor(r, null)));
    PKIXParameters params = new PKIXParameters(anchors);
    params.setRevocationEnabled(false);
    CertPathValidator.getInstance("PKIX").validate(CertificateFactory.getInstance("X.509").generateCertPath(chain), params);
  }

  private static String spiffeId(X509Certificate certificate) throws Exception {
    if (certificate.getSubjectAlternativeNames() != null) {
      for (List<?> san : certificate.getSubjectAlternativeNames()) {
        if (Integer.valueOf(6).equals(san.get(0))) {
          return String.valueOf(san.get(1));
        }
      }
    }
    return null;
  }

  private static List<X509Certificate> parse(String pem) throws Exception {
    List<X509Certificate> out = new ArrayList<>();
    CertificateFactory.getInstance("X.509")
        .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))
        .forEach(c -> out.add((X509Certificate) c));
    return out;
  }

  private static String text(byte[] value) {
    return value == null ? null : new String(value, StandardCharsets.UTF_8);
  }

  /** Stops the renewal thread (JVM shutdown); the CSR goes with the agent's lease. */
  public void close() {
    executor.shutdownNow();
  }
}
