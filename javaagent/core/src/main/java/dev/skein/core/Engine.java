package dev.skein.core;

import dev.skein.api.Endpoint;
import dev.skein.api.KeyLayout;
import dev.skein.bootstrap.AgentLog;
import dev.skein.bootstrap.HeaderLookup;
import dev.skein.bootstrap.MeshEngine;
import dev.skein.bootstrap.OutboundRoute;
import dev.skein.core.admin.AdminServer;
import dev.skein.core.config.AgentSettings;
import dev.skein.core.config.FilePolicySource;
import dev.skein.core.logging.LogRouting;
import dev.skein.core.config.SnapshotCache;
import dev.skein.core.discovery.AgentStatus;
import dev.skein.core.discovery.LeasedKeys;
import dev.skein.core.discovery.Instances;
import dev.skein.core.etcd.EtcdGateway;
import dev.skein.core.etcd.EtcdPolicySource;
import dev.skein.core.routing.Router;
import dev.skein.core.state.ConfigChange;
import dev.skein.core.state.MeshSnapshot;
import dev.skein.core.state.PolicyStore;
import dev.skein.core.state.SnapshotBuilder;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The mesh engine: wires the config sources, the policy store, the router, discovery and the
 * admin endpoint, and answers the bridge.
 *
 * <p>Construction is cheap and happens on the application's premain thread; {@link #start()}
 * (etcd, files, the admin server) runs on a daemon thread so that nothing here delays the
 * application's start. Every thread the engine creates is a daemon: the agent never keeps a
 * JVM alive.
 */
public final class Engine implements MeshEngine {
  private final AgentSettings settings;
  private final KeyLayout layout;
  private final Router router;
  private final PolicyStore store;
  private final ScheduledExecutorService scheduler;
  // Servers that started, with their key and endpoint: replayed when etcd becomes available,
  // since a server may start before the engine has connected.
  private final Map<Object, Registration> servers = new ConcurrentHashMap<>();
  private volatile SnapshotCache cache;
  private volatile EtcdGateway etcd;
  private volatile LeasedKeys leasedKeys;
  // This workload's certificate (etcd mode with skein.service set); null otherwise.
  private volatile dev.skein.core.identity.IdentityManager identity;
  private final AgentStatus status;
  private final java.util.concurrent.atomic.AtomicBoolean statusPending = new java.util.concurrent.atomic.AtomicBoolean();
  // The first status write waits until the application's start has settled: it loads Jackson.
  private volatile boolean firstStatusWritten;
  private volatile EtcdPolicySource etcdSource;
  private volatile Object adminServer;
  private volatile Map<String, dev.skein.api.Policy> lastPolicies;
  private final dev.skein.core.telemetry.Telemetry telemetry;
  private final dev.skein.core.resilience.InboundLimits inboundLimits;
  // Mutual TLS (etcd mode with skein.service set); null until the identity manager exists.
  private volatile dev.skein.core.tls.MeshTls meshTls;
  private final java.util.Set<Object> tlsCapableServers = ConcurrentHashMap.newKeySet();
  private final java.util.concurrent.atomic.AtomicLong tlsRefusals = new java.util.concurrent.atomic.AtomicLong();
  // Inbound requests in progress, waited for on SIGTERM after the registration is gone.
  private final dev.skein.core.lifecycle.Drain drain = dev.skein.core.lifecycle.Drain.fromSettings();
  private final dev.skein.core.authz.Authorizer authorizer;
  private final long createdNanos = System.nanoTime();
  // Completes when the first request in or out has ended or a server has started: background
  // start-up work the first request does not need waits for it (deferBackgroundStartUntil).
  private final java.util.concurrent.CompletableFuture<Void> startupSettled = new java.util.concurrent.CompletableFuture<>();
  private volatile java.util.concurrent.CompletableFuture<?> backgroundDeferral = java.util.concurrent.CompletableFuture.completedFuture(null);
  private final dev.skein.core.lifecycle.StartupPhases startupPhases;

  public Engine(AgentSettings settings) {
    this(settings, System.nanoTime());
  }

  /** @param premainNanos {@link System#nanoTime()} when the agent's premain started, for {@link #startupPhases()} */
  public Engine(AgentSettings settings, long premainNanos) {
    this.startupPhases = new dev.skein.core.lifecycle.StartupPhases(premainNanos);
    this.settings = settings;
    this.layout = new KeyLayout(settings.etcdPrefix());
    this.router = new Router(settings.firstSnapshotWait());
    this.inboundLimits = new dev.skein.core.resilience.InboundLimits(settings.namespace(), settings.service());
    this.status = new AgentStatus(settings.namespace(), settings.service() == null ? "anonymous" : settings.service());
    this.telemetry = new dev.skein.core.telemetry.Telemetry(settings.service(), settings.adminPort() > 0);
    this.authorizer = new dev.skein.core.authz.Authorizer(settings.namespace(), settings.service(), telemetry::authorizationAudited);
    this.store = new PolicyStore(layout, new SnapshotBuilder(layout, settings.namespace()), this::published);
    ScheduledThreadPoolExecutor executor =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, "skein-engine");
              t.setDaemon(true);
              return t;
            });
    executor.setRemoveOnCancelPolicy(true);
    this.scheduler = executor;
  }

  /** Connects the config sources and starts the admin endpoint. Call from a daemon thread. */
  public void start() {
    // First: connecting to etcd can take seconds on a busy host, and a server registered in that
    // time must still deregister and drain on SIGTERM.
    Runtime.getRuntime().addShutdownHook(new Thread(this::shutdown, "skein-shutdown"));
    LogRouting.install();
    if (settings.cacheDir() != null) {
      cache = new SnapshotCache(settings.cacheDir());
    }
    // The OpenTelemetry SDK builds on a thread of its own: it never delays etcd or the admin port,
    // and it waits (see deferBackgroundStartUntil) so as not to take the CPU the first request needs.
    Thread telemetryStart =
        new Thread(
            () -> {
              awaitBackgroundDeferral(true);
              telemetry.start();
              startupPhases.mark(dev.skein.core.lifecycle.StartupPhases.TELEMETRY);
            },
            "skein-telemetry-start");
    telemetryStart.setDaemon(true);
    telemetryStart.start();
    startAdmin();
    if (settings.etcdMode()) {
      startEtcd();
    } else if (settings.configFile() != null) {
      FilePolicySource file = new FilePolicySource(settings.configFile(), store::applyFile);
      file.poll();
      scheduler.scheduleWithFixedDelay(file::poll, 500, 500, TimeUnit.MILLISECONDS);
      AgentLog.info("policies from " + settings.configFile() + " (file mode, no etcd)");
    } else {
      AgentLog.info("no etcd endpoints and no policy file: the mesh has no policies");
      store.apply(new ConfigChange.Resync(Map.of(), 0, ConfigChange.Origin.FILE));
    }
  }

  private void startEtcd() {
    // The first request waits at most firstSnapshotWait for etcd; if etcd has not answered
    // by then, serve from the cache rather than let requests go unrouted.
    scheduler.schedule(this::loadCache, Math.max(0, settings.firstSnapshotWait().toMillis() - 500), TimeUnit.MILLISECONDS);
    // The first snapshot's calls may take what the first request would wait for it, less the
    // cache's margin (a busy host with etcd authentication needs more than a second).
    Duration firstTimeout = Duration.ofMillis(Math.max(1500, settings.firstSnapshotWait().toMillis() - 500));
    EtcdGateway first = new EtcdGateway(settings.etcdEndpoints(), settings.etcdUser(), settings.etcdPassword(), firstTimeout);
    etcd = first.withTimeout(ETCD_CALL_TIMEOUT);
    long revision = 0; // the watch continues from the first snapshot's revision, or reads one first (0)
    try {
      // A restart whose last run noted (in skein.cache.dir) that it needed mutual TLS requests its
      // certificate beside the first read, not after it: the key pair, the CSR and the control
      // plane's signature are most of a STRICT workload's time to its first request.
      if (certificateExpectedFromLastRun()) {
        AgentLog.debug("the last run needed a certificate (" + settings.cacheDir() + "): requesting it before the first snapshot");
        requestFirstCertificate(first);
      }
      long read = System.nanoTime();
      ConfigChange.Resync snapshot = InternalCalls.run(() -> first.read(layout.policiesPrefix(), layout.endpointsPrefix()));
      long apply = System.nanoTime();
      // When a call may need this workload's certificate, the request goes out now, on a lease of
      // its own until the agent's is set up. Decided before parsing (0.2-0.4 s of a cold JVM):
      // the keys alone say whether a PeerAuthentication exists, since a policy's kind must agree
      // with its key.
      if (identity == null && settings.service() != null && holdsPeerAuthentication(snapshot.values().keySet())) {
        requestFirstCertificate(first);
      }
      store.apply(snapshot);
      revision = snapshot.revision();
      AgentLog.debug("first snapshot: read in " + (apply - read) / 1_000_000 + " ms, applied in "
          + (System.nanoTime() - apply) / 1_000_000 + " ms");
    } catch (Exception e) {
      AgentLog.debug("first read of etcd failed, the watch loop retries: " + e);
      loadCache();
    }
    etcdSource = new EtcdPolicySource(etcd, layout, store::apply, this::loadCache, revision);
    Thread watcher = new Thread(etcdSource, "skein-etcd-watch");
    watcher.setDaemon(true);
    watcher.start();
    LeasedKeys created = new LeasedKeys(etcd, settings.leaseTtl(), scheduler);
    if (firstCertificateLease != null) {
      created.adopt(leaseOf(firstCertificateLease));
    }
    synchronized (servers) {
      leasedKeys = created;
      servers.values().forEach(r -> created.put(r.key(), r.endpoint().toJson()));
    }
    reportStatus();
    AgentLog.info("policies from etcd " + settings.etcdEndpoints() + " under " + layout.prefix());
    startupPhases.mark(dev.skein.core.lifecycle.StartupPhases.ETCD);
    // The identity, unless its request went out above, can wait (see deferBackgroundStartUntil):
    // its SSLContexts take the CPU that the application's first request needs.
    awaitBackgroundDeferral(false);
    if (settings.service() != null && identity == null) {
      startIdentity();
      setUpMeshTls();
    }
    if (identity != null) {
      identity.connect(etcd, created);
      identity.start();
    } else {
      meshTlsSetUp.countDown(); // no service name, no identity: no mutual TLS (setUpMeshTls counts down otherwise)
    }
  }

  /** The lease the first certificate request was written under, 0 when none (yet). */
  private static long leaseOf(java.util.concurrent.CompletableFuture<Long> firstLease) {
    try {
      return firstLease.get(3, TimeUnit.SECONDS);
    } catch (Exception e) {
      AgentLog.debug("no lease from the first certificate request: " + e);
      return 0;
    }
  }

  /** The identity manager, before it is connected: the first certificate may be requested beside the first read. */
  private void startIdentity() {
    identity =
        new dev.skein.core.identity.IdentityManager(
            null, null, layout, settings.namespace(), settings.service(), status.instance(), settings.etcdUser() != null,
            id -> {
              startupPhases.mark(dev.skein.core.lifecycle.StartupPhases.CERTIFICATE);
              status.certificateExpiry(id.expiry());
              dev.skein.core.tls.MeshTls waiting = meshTls;
              if (waiting != null) {
                waiting.identityChanged();
              }
              reportStatus();
              refreshRegistrations();
            });
  }

  /**
   * Mutual TLS over the identity's certificates. Builds two SSLContexts: 0.1-0.2 s on a cold JVM,
   * which is why the certificate request can go out before it (see requestFirstCertificate).
   */
  private void setUpMeshTls() {
    dev.skein.core.identity.IdentityManager manager = identity;
    try {
      dev.skein.core.tls.MeshTls tls =
          new dev.skein.core.tls.MeshTls(manager::current, router::snapshot, layout, settings.namespace(), settings.service());
      // With updateMeshTls (under the same lock): whichever runs second sees the latest snapshot.
      synchronized (servers) {
        if (router.snapshot() != null) {
          tls.update(router.snapshot());
        }
        meshTls = tls;
      }
    } finally {
      meshTlsSetUp.countDown();
    }
    if (manager.current() != null) {
      refreshRegistrations(); // the certificate came first: registrations may now take TLS
    }
  }

  /**
   * Sends the first certificate request (beside or right after the first read), then sets up mutual TLS on a thread of
   * its own: the key pair, the control plane's signature and the SSLContexts are each a few
   * hundred milliseconds of a STRICT workload's first request, and need not follow each other,
   * nor hold up the engine's first snapshot.
   */
  private void requestFirstCertificate(EtcdGateway gateway) {
    startIdentity();
    firstCertificateLease = identity.requestFirst(gateway, settings.leaseTtl().toSeconds(), FIRST_CERTIFICATE_POLL);
    Thread tls = new Thread(this::setUpMeshTls, "skein-mesh-tls-setup");
    tls.setDaemon(true);
    tls.start();
  }

  /**
   * True when the last run's cache (skein.cache.dir) noted that a certificate may be needed: a
   * marker file, not the cached snapshot, which would take Jackson's start (0.1 s cold) to read.
   */
  private boolean certificateExpectedFromLastRun() {
    return cache != null && settings.service() != null && cache.certificateExpected();
  }

  /** Whether any of these etcd keys is a PeerAuthentication's (by the key alone, nothing parsed). */
  private boolean holdsPeerAuthentication(java.util.Set<String> keys) {
    return keys.stream()
        .anyMatch(key -> layout.parsePolicyKey(key).filter(ref -> ref.kind() == dev.skein.api.PolicyKind.PeerAuthentication).isPresent());
  }

  /**
   * Whether this workload may soon need its certificate: it has a service name (so asks for one)
   * and some PeerAuthentication is in force, which may make a peer (or this server) STRICT.
   */
  private boolean certificateMayBeNeeded(MeshSnapshot snapshot) {
    return settings.service() != null
        && snapshot != null
        && snapshot.policies().values().stream().anyMatch(p -> p.kind() == dev.skein.api.PolicyKind.PeerAuthentication);
  }

  private void loadCache() {
    if (cache == null || router.snapshot() != null) {
      return;
    }
    cache.read().ifPresent(
        resync -> {
          synchronized (store) {
            if (router.snapshot() == null) {
              store.apply(resync);
              AgentLog.info("serving the cached policy snapshot at revision " + resync.revision() + " until etcd answers");
            }
          }
        });
  }

  private void startAdmin() {
    if (settings.adminPort() <= 0) {
      return;
    }
    try {
      AdminServer admin = new AdminServer(settings.adminPort(), router::snapshot, store::rawInForce);
      admin.serveMetrics(
          () -> {
            dev.skein.core.identity.IdentityManager id = identity;
            String text = telemetry.prometheusText();
            return (text.isEmpty() || text.endsWith("\n") ? text : text + "\n")
                + dev.skein.core.tls.CertificateMetrics.text(id == null ? null : id.current(), tlsRefusals.get());
          });
      admin.serveAuthorization(authorizer::describe);
      admin.serveAccessLog(telemetry::accessLogState);
      adminServer = admin.server();
      admin.start();
      status.adminPort(admin.port());
      AgentLog.info("admin endpoint on http://127.0.0.1:" + admin.port() + "/");
    } catch (Exception e) {
      AgentLog.warn("admin endpoint not started on port " + settings.adminPort(), e);
    }
  }

  private void published(MeshSnapshot snapshot) {
    router.publish(snapshot);
    startupPhases.mark(dev.skein.core.lifecycle.StartupPhases.SNAPSHOT);
    inboundLimits.update(snapshot.policies());
    updateMeshTls(snapshot);
    authorizer.update(snapshot.policies());
    telemetry.applyPolicies(settings.namespace(), snapshot.policies());
    String summary =
        "revision " + snapshot.revision() + " from " + snapshot.origin().name().toLowerCase() + ": "
            + snapshot.policies().size() + " policies, " + snapshot.endpoints().size() + " endpoints";
    if (!snapshot.policies().equals(lastPolicies)) {
      lastPolicies = snapshot.policies();
      AgentLog.info("applied policy " + summary);
    } else {
      AgentLog.debug("applied " + summary);
    }
    reportStatus();
    if (cache != null && snapshot.origin() == ConfigChange.Origin.ETCD) {
      Map<String, byte[]> raw = store.rawInForce();
      long revision = snapshot.revision();
      boolean certificateExpected = certificateMayBeNeeded(snapshot);
      scheduler.execute(() -> cache.write(raw, revision, certificateExpected));
    }
  }

  private void updateMeshTls(MeshSnapshot snapshot) {
    synchronized (servers) { // see setUpMeshTls
      dev.skein.core.tls.MeshTls tls = meshTls;
      if (tls == null) {
        return;
      }
      dev.skein.api.MtlsMode before = tls.mode();
      if (tls.update(snapshot) != before) {
        AgentLog.info("PeerAuthentication for " + settings.service() + ": " + tls.mode());
        refreshRegistrations();
      }
    }
  }

  /** Whether this server's registration says it takes the mesh's TLS. */
  private boolean registersTls(Object server) {
    dev.skein.core.tls.MeshTls tls = meshTls;
    return tls != null && tls.serving() && tlsCapableServers.contains(server);
  }

  /** Re-writes registrations whose {@code tls} flag changed (certificate arrived, PeerAuthentication changed). */
  private void refreshRegistrations() {
    synchronized (servers) {
      servers.replaceAll(
          (server, registration) -> {
            boolean tls = registersTls(server);
            if (registration.endpoint().tls() == tls) {
              return registration;
            }
            Registration updated = new Registration(registration.key(), registration.endpoint().withTls(tls));
            if (leasedKeys != null) {
              AgentLog.info("registration " + registration.key() + (tls ? " takes mesh mTLS" : " takes plain text only"));
              leasedKeys.put(updated.key(), updated.endpoint().toJson());
            }
            return updated;
          });
    }
  }

  // === MeshEngine ===

  @Override
  public boolean meshTlsCapable(Object server) {
    if (server == adminServer || settings.service() == null || !settings.etcdMode()) {
      return false;
    }
    tlsCapableServers.add(server);
    refreshRegistrations();
    return true;
  }

  @Override
  public javax.net.ssl.SSLContext inboundTls() {
    dev.skein.core.tls.MeshTls tls = meshTls;
    return tls == null ? null : tls.inbound();
  }

  @Override
  public boolean inboundPlaintextAllowed() {
    dev.skein.core.tls.MeshTls tls = meshTls;
    return tls == null || tls.plaintextAllowed();
  }

  @Override
  public javax.net.ssl.SSLContext outboundTls(String address, int port) {
    dev.skein.core.tls.MeshTls tls = meshTls;
    if (tls == null
        && settings.service() != null
        && settings.etcdMode()
        && dev.skein.core.tls.MeshTls.strictDestination(router.snapshot(), layout, address, port)) {
      tls = awaitMeshTls();
    }
    return tls == null ? null : tls.outbound(address, port);
  }

  // Counted down once mutual TLS is set up (meshTls), or once it is known it will not be.
  // How long the identity thread polls for the first certificate before its watch takes over.
  private static final Duration FIRST_CERTIFICATE_POLL = Duration.ofSeconds(10);
  // Each etcd call after the first snapshot: a registration, a lease renewal, a certificate read.
  private static final Duration ETCD_CALL_TIMEOUT = Duration.ofSeconds(3);
  private final java.util.concurrent.CountDownLatch meshTlsSetUp = new java.util.concurrent.CountDownLatch(1);
  // The lease of the first certificate request sent beside the first read (0 if that failed); null if none was.
  private volatile java.util.concurrent.CompletableFuture<Long> firstCertificateLease;

  /**
   * A call to a STRICT destination before mutual TLS is set up: unless the first certificate was
   * requested beside the first read, the background start (the identity, which then requests it) need not wait
   * for the first request to end any more, since this request needs it; wait for mutual TLS, at
   * most {@link dev.skein.core.tls.MeshTls#CERTIFICATE_WAIT}.
   */
  private dev.skein.core.tls.MeshTls awaitMeshTls() {
    java.util.concurrent.CompletableFuture<Long> lease = firstCertificateLease;
    if (lease == null || lease.isDone() && lease.getNow(0L) == 0L) {
      // No certificate request beside the first read (or it failed): the identity's start sends it.
      startupSettled.complete(null);
    }
    try {
      meshTlsSetUp.await(dev.skein.core.tls.MeshTls.CERTIFICATE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return meshTls;
  }

  @Override
  public void tlsRefused(String side, String reason) {
    long n = tlsRefusals.incrementAndGet();
    if (n == 1) {
      AgentLog.info("mesh TLS: first refused connection (" + side + "): " + reason + " (later ones at debug level)");
    } else {
      AgentLog.debug("mesh TLS refused (" + side + "): " + reason);
    }
  }

  // Created on the first gRPC channel: most workloads never pay for it.
  private volatile dev.skein.core.routing.GrpcEndpointWatchers grpcWatchers;

  @Override
  public boolean admitInbound(String protocol) {
    return inboundLimits.admit();
  }

  /**
   * Fault-injection switch for tests only: with {@code skein.test.fault=inbound} every inbound
   * decision throws, so that tests can prove that servers then deny (authorization in force) or
   * serve unobserved (no authorization). Read once, at start.
   */
  private final boolean injectInboundFault = "inbound".equals(dev.skein.bootstrap.Settings.get("skein.test.fault"));

  @Override
  public dev.skein.bootstrap.InboundDecision inbound(
      Object server, String system, String method, String target, HeaderLookup headers, String peer,
      java.security.cert.Certificate[] peerCertificates) {
    if (server != null && server == adminServer) {
      return dev.skein.bootstrap.InboundDecision.PROCEED;
    }
    if (injectInboundFault) {
      throw new IllegalStateException("fault injected by skein.test.fault=inbound");
    }
    if (router.snapshot() == null && settings.etcdMode()) {
      // An AuthorizationPolicy may be in etcd: requests arriving while the agent starts wait for
      // the first snapshot, up to the first-snapshot wait after the engine was created; later
      // ones (etcd down, no cache) do not wait: nothing is known to deny them.
      router.awaitSnapshot(createdNanos + settings.firstSnapshotWait().toNanos() - System.nanoTime());
    }
    startupPhases.firstRequest();
    boolean grpc = "grpc".equals(system);
    Object call = serverStart(server, system, method, target, headers, peer); // counted for the drain too
    dev.skein.bootstrap.InboundDecision refusal = null;
    String principal = null;
    boolean identityUnknown = false;
    if (peerCertificates != null) {
      try {
        principal = dev.skein.core.authz.PeerIdentity.spiffeId(peerCertificates);
        telemetry.serverPeerIdentity(dev.skein.core.lifecycle.Drain.observed(call), principal);
      } catch (RuntimeException e) {
        dev.skein.bootstrap.AgentFaults.record("peerIdentity", e);
        identityUnknown = true;
      }
    }
    telemetry.serverConnection(dev.skein.core.lifecycle.Drain.observed(call), peerCertificates != null, principal);
    if (authorizer.inForce()) {
      try {
        if (identityUnknown) {
          throw new IllegalStateException("the peer's certificate could not be read");
        }
        if (authorizer.decide(grpc ? "POST" : method, grpc ? "/" + method : target, principal)
            == dev.skein.core.authz.Authorizer.Verdict.DENY) {
          refusal = dev.skein.bootstrap.InboundDecision.DENIED;
        }
      } catch (RuntimeException e) {
        // Security fails closed: a request that could not be checked is not let in.
        dev.skein.bootstrap.AgentFaults.record("authorization", e);
        authorizer.deniedByFault();
        refusal = dev.skein.bootstrap.InboundDecision.DENIED;
      }
    }
    if (refusal == null && !inboundLimits.admit()) {
      refusal = dev.skein.bootstrap.InboundDecision.RATE_LIMITED;
    }
    if (refusal == null) {
      return dev.skein.bootstrap.InboundDecision.proceed(call);
    }
    serverEnd(call, grpc ? refusal.grpcStatus() : refusal.httpStatus(), null);
    telemetry.inboundRefused(system, refusal.reason());
    return refusal;
  }

  @Override
  public boolean isGrpcService(String host) {
    return router.isGrpcService(host);
  }

  @Override
  public OutboundRoute routeGrpc(String host, String path, HeaderLookup headers) {
    OutboundRoute route = router.routeGrpc(host, path, headers);
    startupPhases.firstRequest();
    telemetry.routed(headers, route);
    return route;
  }

  @Override
  public java.util.Map<String, ?> grpcServiceConfig(String host) {
    dev.skein.core.state.MeshSnapshot current = router.snapshot();
    return current == null ? null : dev.skein.core.routing.GrpcServiceConfig.of(current.grpcByHost().get(host));
  }

  @Override
  public AutoCloseable watchGrpcEndpoints(
      String host, java.util.function.Consumer<java.util.List<InetSocketAddress>> listener) {
    dev.skein.core.routing.GrpcEndpointWatchers watchers = grpcWatchers;
    if (watchers == null) {
      synchronized (router) {
        watchers = grpcWatchers;
        if (watchers == null) {
          watchers = new dev.skein.core.routing.GrpcEndpointWatchers(router);
          grpcWatchers = watchers;
        }
      }
    }
    return watchers.watch(host, listener);
  }

  /**
   * Fault-injection switch for tests only: with {@code skein.test.fault=route} every
   * {@link #routeHttp} call throws, so that tests can prove the bridge keeps the application's
   * requests working (unrouted) and counts the fault. Read once, at start.
   */
  private final boolean injectRouteFault = "route".equals(dev.skein.bootstrap.Settings.get("skein.test.fault"));

  @Override
  public OutboundRoute routeHttp(String host, int port, String method, String path, HeaderLookup headers) {
    if (injectRouteFault) {
      throw new IllegalStateException("fault injected by skein.test.fault=route");
    }
    if (InternalCalls.active()) {
      return null;
    }
    OutboundRoute route = router.routeHttp(host, method, path, headers);
    startupPhases.firstRequest();
    return route;
  }

  // === telemetry (see dev.skein.core.telemetry.Telemetry) ===

  @Override
  public Object clientStart(
      String system, OutboundRoute route, String method, String url, String host, int port, Map<String, String> inject) {
    return InternalCalls.active() ? null : telemetry.clientStart(system, route, method, url, host, port, inject);
  }

  @Override
  public void clientEnd(Object call, int status, Throwable error) {
    telemetry.clientEnd(call, status, error);
    startupSettled.complete(null);
  }

  @Override
  public void clientEndOnCompletion(Object call, java.util.concurrent.CompletionStage<?> response) {
    telemetry.clientEndOnCompletion(call, response);
    if (!startupSettled.isDone()) {
      response.whenComplete((r, e) -> startupSettled.complete(null));
    }
  }

  @Override
  public Object serverStart(Object server, String system, String method, String target, HeaderLookup headers, String peer) {
    if (server != null && server == adminServer) {
      return null;
    }
    // Every inbound request is counted for the drain, observed or not: the handle is never null.
    return drain.begin(telemetry.serverStart(system, method, target, headers, peer));
  }

  @Override
  public Object attach(Object call) {
    Object observed = dev.skein.core.lifecycle.Drain.observed(call);
    return observed == null ? null : telemetry.attach(observed);
  }

  @Override
  public void detach(Object token) {
    telemetry.detach(token);
  }

  @Override
  public void serverEnd(Object call, int status, Throwable error) {
    Object observed = drain.end(call);
    if (observed != null) {
      telemetry.serverEnd(observed, status, error);
    }
    startupSettled.complete(null);
  }

  @Override
  public void serverStarted(Object server, String protocol, InetSocketAddress address) {
    if (server == adminServer || settings.service() == null) {
      return;
    }
    startupSettled.complete(null);
    String instance = Instances.instanceId(settings.service(), address.getPort());
    String key = layout.endpointKey(settings.namespace(), settings.service(), instance);
    Endpoint endpoint =
        new Endpoint(
            Instances.advertisedAddress(address, settings.advertiseAddress()), address.getPort(), protocol, settings.labels(),
            registersTls(server));
    synchronized (servers) {
      servers.put(server, new Registration(key, endpoint));
      if (leasedKeys != null) {
        AgentLog.info("registering " + key + " -> " + endpoint.address() + ":" + endpoint.port());
        leasedKeys.put(key, endpoint.toJson());
      } else if (!settings.etcdMode()) {
        AgentLog.info("serving " + settings.service() + " on " + endpoint.address() + ":" + endpoint.port() + " (not registered: no etcd)");
      }
    }
  }

  @Override
  public void serverStopping(Object server) {
    Registration registration = servers.remove(server);
    LeasedKeys keys = leasedKeys;
    if (registration != null && keys != null) {
      keys.remove(registration.key());
      AgentLog.info("deregistered " + registration.key());
    }
    // An application's shutdown hook stopping its server: keep serving until clients moved away.
    if (registration != null && settings.etcdMode() && dev.skein.core.lifecycle.Drain.jvmExiting()) {
      drain.await();
    }
  }

  private record Registration(String key, Endpoint endpoint) {}

  /**
   * Writes this agent's status key, coalescing bursts of snapshots (an etcd resync, a batch of
   * puts) into one write a second later. Not sooner: after a change every agent of the mesh
   * writes at once, and those writes compete with the change still on its way to the others (500
   * engines on 2 cores, writing 200 ms after their apply: propagation p99 1,081 against 642 ms).
   */
  private void reportStatus() {
    LeasedKeys keys = leasedKeys;
    if (keys == null || !statusPending.compareAndSet(false, true)) {
      return;
    }
    scheduler.schedule(
        () -> {
          statusPending.set(false);
          keys.put(status.key(layout), status.json(router.snapshot()));
        },
        firstStatusWritten ? STATUS_COALESCE.toMillis() : FIRST_STATUS_DELAY.toMillis(),
        TimeUnit.MILLISECONDS);
    firstStatusWritten = true;
  }

  /**
   * Orderly JVM exit: remove every registration first, keep serving until clients have moved
   * away (the drain), then stop the watch.
   */
  void shutdown() {
    try {
      boolean registered = !servers.isEmpty();
      LeasedKeys keys = leasedKeys;
      if (keys != null) {
        leasedKeys = null; // no status write renews anything while draining
        keys.revoke();
        if (registered) {
          drain.await();
        }
      }
      if (etcdSource != null) {
        etcdSource.close();
      }
      telemetry.shutdown();
    } catch (Throwable t) {
      AgentLog.debug("shutdown: " + t);
    }
  }

  public Router router() {
    return router;
  }

  /** When each step of the agent's start was done (logged when the first request is routed). */
  public dev.skein.core.lifecycle.StartupPhases startupPhases() {
    return startupPhases;
  }

  @Override
  public Object attemptStart(Object call, int attempt, OutboundRoute endpoint) {
    return telemetry.attemptStart(call, attempt, endpoint);
  }

  @Override
  public void attemptEnd(Object attempt, int status, Throwable error, String decision) {
    telemetry.attemptEnd(attempt, status, error, decision);
  }

  @Override
  public void callFault(Object call, String fault, long delayMillis) {
    telemetry.callFault(call, fault, delayMillis);
  }

  @Override
  public void grpcCallFault(HeaderLookup headers, String fault, long delayMillis) {
    telemetry.grpcCallFault(headers, fault, delayMillis);
  }

  /**
   * Holds work the first request does not need until {@code ready} completes (the agent passes
   * "instrumentation installed"), at most {@link #BACKGROUND_DEFERRAL_MAX} after the engine was
   * created, then until the first request has ended or a server has started, at most
   * {@link #SETTLE_AFTER_READY_MAX} more: the identity's start (its SSLContexts) unless its
   * request went out beside the first read, and the OpenTelemetry SDK's build (which also waits
   * for the first snapshot, and loads a thousand classes and more);
   * on a small machine they compete for the CPU with Byte Buddy and the snapshot read, which the
   * application's first mesh request waits for. Telemetry calls before the SDK pass unobserved.
   * Call before {@link #start()}.
   */
  public void deferBackgroundStartUntil(java.util.concurrent.CompletableFuture<?> ready) {
    backgroundDeferral = ready;
  }

  private static final Duration STATUS_COALESCE = Duration.ofSeconds(1);
  // The first status waits for the start-up's burst of snapshots (cache, first read, watch).
  private static final Duration FIRST_STATUS_DELAY = Duration.ofSeconds(2);

  private static final Duration BACKGROUND_DEFERRAL_MAX = Duration.ofSeconds(5);
  private static final Duration SETTLE_AFTER_READY_MAX = Duration.ofSeconds(1);

  private void awaitBackgroundDeferral(boolean snapshotToo) {
    long deadline = createdNanos + BACKGROUND_DEFERRAL_MAX.toNanos();
    try {
      backgroundDeferral.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      while (snapshotToo && router.snapshot() == null && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      long wait = Math.min(SETTLE_AFTER_READY_MAX.toNanos(), Math.max(0, deadline - System.nanoTime()));
      startupSettled.get(wait, TimeUnit.NANOSECONDS);
    } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
      // start anyway
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
