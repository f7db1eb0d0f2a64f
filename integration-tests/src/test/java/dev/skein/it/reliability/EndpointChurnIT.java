package dev.skein.it.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skein.it.support.EtcdServer;
import dev.skein.it.support.MeshJvm;
import dev.skein.it.support.Policies;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Server instances die under load (the JDK HttpClient, with a Route that retries and a
 * DestinationPolicy that ejects an endpoint on its first connect failure): killed with SIGKILL (their registration lingers until its
 * 10 s lease expires) or stopped with SIGTERM (the shutdown hook revokes the lease at once).
 */
class EndpointChurnIT {
  static final Duration LEASE = Duration.ofSeconds(10);

  @Test
  void killedInstancesStopReceivingTrafficByLeaseExpiryAndStoppedOnesDeregisterAtOnce() throws Exception {
    List<MeshJvm> servers = new ArrayList<>();
    try (EtcdServer etcd = EtcdServer.started()) {
      // Retries (default retryOn includes connect-failure) and ejection on the first connect failure.
      etcd.put(Policies.DESTINATION_KEY, SoakIT.DESTINATION);
      etcd.put(Policies.ROUTE_KEY, SoakIT.split(100, 0));
      EchoServers.Started a = EchoServers.start(etcd.endpoint(), etcd::getPrefix, "v1", "a", 0);
      servers.add(a.jvm());
      EchoServers.Started b = EchoServers.start(etcd.endpoint(), etcd::getPrefix, "v1", "b", 0);
      servers.add(b.jvm());
      servers.add(EchoServers.start(etcd.endpoint(), etcd::getPrefix, "v1", "c", 0).jvm());
      try (Traffic traffic =
          Traffic.start(
              MeshJvm.builder("traffic").property("skein.service", "frontend").property("skein.etcd.endpoints", etcd.endpoint()),
              "http://orders/x",
              60)) {
        long start = Traffic.now();
        traffic.awaitSecond(start, s -> s.failed() == 0 && s.bodies().keySet().containsAll(List.of("a", "b", "c")), Duration.ofSeconds(30));

        // SIGKILL a, and start its replacement (a new instance, a new port) right away.
        long kill = Traffic.now();
        a.jvm().kill();
        EchoServers.Started a2 = EchoServers.start(etcd.endpoint(), etcd::getPrefix, "v1", "a2", 0);
        servers.add(a2.jvm());
        long replacementUp = Traffic.now();
        long leaseWindowEnd = kill + LEASE.plusSeconds(2).toNanos();
        while (Traffic.now() < leaseWindowEnd + Duration.ofSeconds(5).toNanos()) {
          Thread.sleep(200);
        }
        int failedInWindow = traffic.failed(kill) - traffic.failed(leaseWindowEnd);
        int failedAfterLease = traffic.failed(leaseWindowEnd);
        long lastFailure =
            traffic.since(kill).stream().filter(s -> s.failed() > 0).mapToLong(Traffic.Second::atNanos).max().orElse(kill);
        int toReplacement = traffic.body(leaseWindowEnd, "a2");
        int toKilled = traffic.body(leaseWindowEnd, "a");

        // SIGTERM b: its registration must go at once, not after the lease.
        long term = Traffic.now();
        b.jvm().close();
        long gone = awaitDeregistered(etcd, b.port());
        long afterTerm = Traffic.now();
        traffic.awaitSeconds(3);
        int failedAroundTerm = traffic.failed(term);
        int sent = traffic.ok(start) + traffic.failed(start);

        System.out.printf(
            "SIGKILL: sent=%d, failed before lease expiry=%d (last failure %d ms after the kill), failed after=%d,"
                + " replacement registered %d ms after the kill and got %d requests%n",
            sent, failedInWindow, (lastFailure - kill) / 1_000_000, failedAfterLease, (replacementUp - kill) / 1_000_000, toReplacement);
        System.out.printf("SIGTERM: registration gone %d ms after the signal; failed requests around it=%d%n",
            (gone - term) / 1_000_000, failedAroundTerm);

        // Only the requests on the wire to the killed server are lost: the JDK client retries the
        // connect failures on another endpoint and ejects the dead one at the first of them. At
        // 60/s that is one or two; a loaded machine's slower responses put up to ~5 on the wire.
        assertThat(failedInWindow).as("failed before the lease expired; " + traffic.tail(25)).isLessThanOrEqualTo(5);
        assertThat(lastFailure - kill).as("every loss is at the kill, none later; " + traffic.tail(25)).isLessThan(Duration.ofSeconds(2).toNanos());
        assertThat(failedAfterLease).as("requests to a dead registration past its lease; " + traffic.tail(25)).isZero();
        assertThat(toKilled).isZero();
        assertThat(toReplacement).as("the replacement receives traffic").isGreaterThan(0);
        assertThat(Duration.ofNanos(gone - term)).as("deregistered on SIGTERM (each etcdctl poll takes a few hundred ms on a busy machine)").isLessThan(Duration.ofSeconds(3));
        assertThat(afterTerm).isGreaterThan(term);
      }
    } finally {
      for (MeshJvm s : servers) {
        s.close();
      }
    }
  }

  private static long awaitDeregistered(EtcdServer etcd, int port) throws InterruptedException {
    long deadline = Traffic.now() + Duration.ofSeconds(15).toNanos();
    while (Traffic.now() < deadline) {
      if (!etcd.getPrefix("/skein/endpoints/").contains("\"port\":" + port + ",")) {
        return Traffic.now();
      }
      Thread.sleep(20);
    }
    throw new AssertionError("registration of port " + port + " still there 15 s after SIGTERM");
  }
}
