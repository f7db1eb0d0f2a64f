package dev.skein.it.bench;

import dev.skein.it.support.EtcdServer;
import dev.skein.it.support.FreePorts;
import dev.skein.it.support.MeshJvm;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Client and servers under the Skein agent, against a real etcd; the client calls the service
 * by name. Two flavours, each under its own etcd prefix so that neither sees the other's keys:
 * discovery only (no policies), and full policy (a weighted Route over DestinationPolicy subsets
 * with retries, balancing, limits, outlier detection and a breaker; STRICT mutual TLS with a real
 * control plane's CA; an AuthorizationPolicy).
 */
final class SkeinScenario extends Scenario {
  private static final Pattern PUT_REVISION = Pattern.compile("\"revision\":(\\d+)");
  private static final Pattern DUMP_REVISION = Pattern.compile("\"revision\"\\s*:\\s*(\\d+)");

  private static final Pattern NO_REJECTIONS = Pattern.compile("\"rejected\"\\s*:\\s*\\{\\s*\\}");

  private final EtcdServer etcd;
  private final OtlpReceiver otlp;
  private final boolean policy;
  private final String prefix;
  private final String service;
  /** The gRPC pair's service: the HTTP service's name with {@code -grpc}. */
  private final String grpcService;
  private final int clientAdminPort = FreePorts.next();
  private final HttpClient admin = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private int puts;

  private SkeinScenario(EtcdServer etcd, OtlpReceiver otlp, boolean policy, String id, String label, String notes) {
    super(id, label, notes);
    this.etcd = etcd;
    this.otlp = otlp;
    this.policy = policy;
    this.prefix = policy ? "/skein-bench-policy" : "/skein-bench-discovery";
    this.service = policy ? "orders" : "echo";
    this.grpcService = service + "-grpc";
  }

  static SkeinScenario telemetryOnly(EtcdServer etcd, OtlpReceiver otlp) {
    return new SkeinScenario(
        etcd,
        otlp,
        false,
        "skein-telemetry",
        "Skein, telemetry only (no policies)",
        "Client and server under the Skein agent, no policies: the client calls http://echo/ (the gRPC client the channel"
            + " target echo-grpc) and the agent resolves it from the endpoints in etcd; the agent's own traces and metrics go over OTLP/HTTP to a loopback receiver of"
            + " their own (metrics every 10 s), as far as the agent's telemetry is built (it was being finished when this"
            + " harness was written: see the receiver's counts below).");
  }

  static SkeinScenario fullPolicy(EtcdServer etcd, OtlpReceiver otlp) {
    return new SkeinScenario(
        etcd,
        otlp,
        true,
        "skein-policy",
        "Skein, full policy (as built)",
        "Client and two servers (v1, v2) under the Skein agent, telemetry as above; a Route with a 90/10 split over"
            + " DestinationPolicy subsets, timeout 2 s, retries (2 attempts, 5xx/connect-failure/reset), LEAST_REQUEST"
            + " balancing, a concurrency limit, outlier detection and a circuit breaker; mutual TLS STRICT"
            + " (PeerAuthentication: every call is TLS 1.3 with both workload certificates, issued by a real control"
            + " plane's CA) and an AuthorizationPolicy that allows only the client's SPIFFE ID. The control plane is a"
            + " process of its own (as istiod is), not counted in the memory figures. The gRPC pair (service orders-grpc,"
            + " v1 and v2) has the same DestinationPolicy and Route (gRPC's retries from the Route, per call) and an"
            + " AuthorizationPolicy of its own, under the same STRICT mutual TLS.");
  }

  /** The client's SPIFFE ID, the only principal the AuthorizationPolicy allows. */
  private static final String CLIENT_ID = "spiffe://skein.local/ns/default/sa/bench-client";

  /** Every workload of the namespace takes only the mesh's TLS. */
  static final String STRICT =
      """
      apiVersion: skein.dev/v1
      kind: PeerAuthentication
      metadata: {name: default, namespace: default}
      spec:
        mtls: {mode: STRICT}
      """;

  /** Only the bench client may call the gRPC service's methods. */
  static final String GRPC_AUTHORIZATION =
      """
      apiVersion: skein.dev/v1
      kind: AuthorizationPolicy
      metadata: {name: orders-grpc, namespace: default}
      spec:
        selector: {service: orders-grpc}
        action: ALLOW
        rules:
          - from: [{principals: ["%s"]}]
            to: [{paths: ["/bench.Echo/*"]}]
      """
          .formatted(CLIENT_ID);

  /** Only the bench client may call orders, on GET. */
  static final String AUTHORIZATION =
      """
      apiVersion: skein.dev/v1
      kind: AuthorizationPolicy
      metadata: {name: orders, namespace: default}
      spec:
        selector: {service: orders}
        action: ALLOW
        rules:
          - from: [{principals: ["%s"]}]
            to: [{methods: [GET]}]
      """
          .formatted(CLIENT_ID);

  private MeshJvm controlPlane;

  /**
   * The DestinationPolicy with everything a DestinationPolicy can carry except TLS. The connection
   * pool bounds each endpoint at 16 tries in flight, with up to 500 waiting (Istio's
   * {@code tcp.maxConnections} and {@code http1MaxPendingRequests}, which an Istio user would set
   * the same way): with HTTP/1.1 that bounds the connections, and so the TLS handshakes, a burst
   * makes the JDK client open, where without it a pause of a few tens of milliseconds at 1,000/s
   * opens dozens at once, their handshakes take both cores and the timeouts open the breaker.
   * 16 leaves headroom over the 8 threads of the bench's servers; the waiting ones stay within
   * the Route's 2 s timeout.
   */
  static final String FULL_DESTINATION = fullDestination("orders");

  /** {@link #FULL_DESTINATION} for another host (the gRPC pair's). */
  static String fullDestination(String host) {
    return """
      apiVersion: skein.dev/v1
      kind: DestinationPolicy
      metadata: {name: %1$s, namespace: default}
      spec:
        host: %1$s
        subsets:
          - {name: v1, labels: {version: v1}}
          - {name: v2, labels: {version: v2}}
        loadBalancer: {simple: LEAST_REQUEST}
        connectionPool: {maxConcurrentRequests: 1000, maxRequestsPerEndpoint: 16, maxPendingRequests: 500}
        outlierDetection: {consecutive5xxErrors: 5, interval: 10s, baseEjectionTime: 30s, maxEjectionPercent: 50}
        circuitBreaker: {failureRateThreshold: 50, minimumCalls: 20, openStateDuration: 30s}
      """
        .formatted(host);
  }

  /** A weighted Route with a timeout and retries. */
  static String fullRoute(int v1, int v2) {
    return fullRoute("orders", v1, v2);
  }

  static String fullRoute(String host, int v1, int v2) {
    return """
        apiVersion: skein.dev/v1
        kind: Route
        metadata: {name: %1$s, namespace: default}
        spec:
          host: %1$s
          http:
            - name: split
              route:
                - {destination: {subset: v1}, weight: %2$d}
                - {destination: {subset: v2}, weight: %3$d}
              timeout: 2s
              retries: {attempts: 2, perTryTimeout: 1s, retryOn: "5xx,connect-failure,reset"}
        """
        .formatted(host, v1, v2);
  }

  @Override
  void start() throws Exception {
    if (policy) {
      startCertificateAuthority();
      etcd.put(prefix + "/policies/default/DestinationPolicy/orders", FULL_DESTINATION);
      etcd.put(prefix + "/policies/default/Route/orders", fullRoute(90, 10));
      etcd.put(prefix + "/policies/default/PeerAuthentication/default", STRICT);
      etcd.put(prefix + "/policies/default/AuthorizationPolicy/orders", AUTHORIZATION);
      etcd.put(prefix + "/policies/default/DestinationPolicy/" + grpcService, fullDestination(grpcService));
      etcd.put(prefix + "/policies/default/Route/" + grpcService, fullRoute(grpcService, 90, 10));
      etcd.put(prefix + "/policies/default/AuthorizationPolicy/" + grpcService, GRPC_AUTHORIZATION);
      awaitRegistrations(List.of(launchServer(server("v1")), launchServer(server("v2")),
          launchGrpcServer(grpcServer("v1")), launchGrpcServer(grpcServer("v2"))));
      awaitTlsRegistrations(4);
    } else {
      awaitRegistrations(List.of(launchServer(server("v1")), launchGrpcServer(grpcServer("v1"))));
    }
  }

  @Override
  String grpcTarget() {
    return grpcService;
  }

  /** {@code skein ca init} and a control plane that signs the workloads' certificates, under this prefix. */
  private void startCertificateAuthority() throws Exception {
    controlPlane = new dev.skein.it.demo.SkeinCli(etcd.endpoint()).startControlPlaneWithNewCa(id() + "-control-plane", prefix).jvm();
  }

  /** The servers hold certificates and registered that they take the mesh's TLS. */
  private void awaitTlsRegistrations(int servers) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      String endpoints = etcd.getPrefix(prefix + "/endpoints/");
      if (endpoints.split("\"tls\":true", -1).length - 1 >= servers) {
        return;
      }
      Thread.sleep(50);
    }
    throw new IllegalStateException(id() + ": the servers did not get certificates within 60 s; control plane:\n"
        + (controlPlane == null ? "" : controlPlane.agentLog()));
  }

  @Override
  public void close() throws Exception {
    super.close();
    if (controlPlane != null) {
      controlPlane.close();
    }
  }

  private MeshJvm.Builder server(String version) {
    return telemetry(HarnessClasses.applicationJvm(id() + "-server-" + version), service)
        .property("skein.service", service)
        .property("skein.labels", "version=" + version)
        .property("skein.etcd.endpoints", etcd.endpoint())
        .property("skein.etcd.prefix", prefix)
        .env("ECHO_VERSION", version);
  }

  private MeshJvm.Builder grpcServer(String version) {
    return telemetry(HarnessClasses.applicationJvm(id() + "-grpc-server-" + version), grpcService)
        .property("skein.service", grpcService)
        .property("skein.labels", "version=" + version)
        .property("skein.etcd.endpoints", etcd.endpoint())
        .property("skein.etcd.prefix", prefix);
  }

  /** Each server, started side by side, listens and has registered its endpoint. */
  private void awaitRegistrations(List<MeshJvm> started) throws Exception {
    for (MeshJvm server : started) {
      awaitRegistration(listeningPort(server));
    }
  }

  private void awaitRegistration(int port) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      if (etcd.getPrefix(prefix + "/endpoints/").contains("\"port\":" + port + ",")) {
        return;
      }
      Thread.sleep(50);
    }
    throw new IllegalStateException(id() + ": no endpoint registered with port " + port);
  }

  @Override
  MeshJvm.Builder clientJvm(String name) {
    MeshJvm.Builder builder =
        telemetry(HarnessClasses.applicationJvm(id() + "-" + name), "bench-client")
            .property("skein.service", "bench-client")
            .property("skein.etcd.endpoints", etcd.endpoint())
            .property("skein.etcd.prefix", prefix);
    // Only the long-lived client serves the admin endpoint: the policy timing polls it.
    return name.equals("client") ? builder.property("skein.admin.port", Integer.toString(clientAdminPort)) : builder;
  }

  @Override
  boolean hasAgentCache() {
    return true;
  }

  /** The channel's target is checked once, when it is built: the agent must know the services by then. */
  @Override
  MeshJvm.Builder grpcClientJvm(String name) {
    return clientJvm(name).property("skein.first.snapshot.wait.ms", "20000");
  }

  /** The same OTLP settings the OpenTelemetry agent's scenario uses, to a receiver of Skein's own. */
  private MeshJvm.Builder telemetry(MeshJvm.Builder builder, String serviceName) {
    return builder
        .env("OTEL_SERVICE_NAME", serviceName)
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", otlp.endpoint())
        .env("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
        .env("OTEL_METRIC_EXPORT_INTERVAL", "10000");
  }

  @Override
  String url() {
    return "http://" + service + "/bench";
  }

  /**
   * Puts the Route with other weights (alternating 90/10 and 80/20, so that each put is a real
   * change) and polls the client agent's {@code /config_dump} until its revision reaches the
   * put's. Timed from just before etcdctl starts, as an operator would see it.
   */
  @Override
  Double policyApplyMillis(MeshJvm client) throws Exception {
    if (!policy) {
      return null;
    }
    String route = ++puts % 2 == 1 ? fullRoute(80, 20) : fullRoute(90, 10);
    long start = System.nanoTime();
    EtcdServer.Result put = etcd.ctl(Duration.ofSeconds(10), "put", "-w", "json", prefix + "/policies/default/Route/orders", route);
    Matcher m = PUT_REVISION.matcher(put.output());
    if (put.exitCode() != 0 || !m.find()) {
      throw new IllegalStateException("etcdctl put failed: " + put.output());
    }
    long revision = Long.parseLong(m.group(1));
    HttpRequest dump = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + clientAdminPort + "/config_dump")).build();
    long deadline = start + Duration.ofSeconds(10).toNanos();
    while (System.nanoTime() < deadline) {
      String body = admin.send(dump, HttpResponse.BodyHandlers.ofString()).body();
      Matcher d = DUMP_REVISION.matcher(body);
      if (d.find() && Long.parseLong(d.group(1)) >= revision) {
        double millis = (System.nanoTime() - start) / 1e6;
        // A policy the agent rejected is not "in force": the scenario would measure less than it says.
        if (!NO_REJECTIONS.matcher(body).find()) {
          throw new IllegalStateException("the client agent rejected part of the full policy:\n" + body);
        }
        return millis;
      }
      Thread.sleep(1);
    }
    throw new IllegalStateException("the client agent did not apply revision " + revision + " within 10 s:\n" + client.agentLog());
  }
}
