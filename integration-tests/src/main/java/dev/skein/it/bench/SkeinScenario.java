package dev.skein.it.bench;

import dev.skein.it.support.EtcdServer;
import dev.skein.it.support.FreePorts;
import dev.skein.it.support.MeshJvm;
import dev.skein.it.support.Policies;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Client and servers under the Skein agent, against a real etcd; the client calls the service
 * by name. Two flavours, each under its own etcd prefix so that neither sees the other's keys:
 * discovery only (no policies), and the policy that exists today (a weighted Route over
 * DestinationPolicy subsets).
 */
final class SkeinScenario extends Scenario {
  private static final Pattern PUT_REVISION = Pattern.compile("\"revision\":(\\d+)");
  private static final Pattern DUMP_REVISION = Pattern.compile("\"revision\"\\s*:\\s*(\\d+)");

  private final EtcdServer etcd;
  private final boolean policy;
  private final String prefix;
  private final String service;
  private final int clientAdminPort = FreePorts.next();
  private final HttpClient admin = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private int puts;

  private SkeinScenario(EtcdServer etcd, boolean policy, String id, String label, String notes) {
    super(id, label, notes);
    this.etcd = etcd;
    this.policy = policy;
    this.prefix = policy ? "/skein-bench-policy" : "/skein-bench-discovery";
    this.service = policy ? "orders" : "echo";
  }

  static SkeinScenario discoveryOnly(EtcdServer etcd) {
    return new SkeinScenario(
        etcd,
        false,
        "skein-discovery",
        "Skein, discovery only (telemetry not built yet)",
        "Client and server under the Skein agent; the client calls http://echo/ and the agent resolves it from the"
            + " endpoints in etcd. No policies. Stands in for the issue's 'telemetry only' scenario: Skein's tracing"
            + " and metrics are not built yet.");
  }

  static SkeinScenario fullPolicy(EtcdServer etcd) {
    return new SkeinScenario(
        etcd,
        true,
        "skein-policy",
        "Skein, policy in force today (Route + subsets)",
        "Client and two servers (v1, v2) under the Skein agent; a weighted Route (90/10) over DestinationPolicy"
            + " subsets selected by label. Of the issue's full policy, NOT built yet: mTLS STRICT, authorization,"
            + " retries, circuit breaker, outlier detection, tracing and metrics.");
  }

  @Override
  void start() throws Exception {
    if (policy) {
      etcd.put(prefix + "/policies/default/DestinationPolicy/orders", Policies.ORDERS_SUBSETS);
      etcd.put(prefix + "/policies/default/Route/orders", Policies.split(90, 10));
      awaitRegistration(startServer(server("v1")));
      awaitRegistration(startServer(server("v2")));
    } else {
      awaitRegistration(startServer(server("v1")));
    }
  }

  private MeshJvm.Builder server(String version) {
    return MeshJvm.builder(id() + "-server-" + version)
        .property("skein.service", service)
        .property("skein.labels", "version=" + version)
        .property("skein.etcd.endpoints", etcd.endpoint())
        .property("skein.etcd.prefix", prefix)
        .env("ECHO_VERSION", version);
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
        MeshJvm.builder(id() + "-" + name)
            .property("skein.service", "bench-client")
            .property("skein.etcd.endpoints", etcd.endpoint())
            .property("skein.etcd.prefix", prefix);
    // Only the long-lived client serves the admin endpoint: the policy timing polls it.
    return name.equals("client") ? builder.property("skein.admin.port", Integer.toString(clientAdminPort)) : builder;
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
    String route = ++puts % 2 == 1 ? Policies.split(80, 20) : Policies.split(90, 10);
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
      Matcher d = DUMP_REVISION.matcher(admin.send(dump, HttpResponse.BodyHandlers.ofString()).body());
      if (d.find() && Long.parseLong(d.group(1)) >= revision) {
        return (System.nanoTime() - start) / 1e6;
      }
      Thread.sleep(1);
    }
    throw new IllegalStateException("the client agent did not apply revision " + revision + " within 10 s:\n" + client.agentLog());
  }
}
