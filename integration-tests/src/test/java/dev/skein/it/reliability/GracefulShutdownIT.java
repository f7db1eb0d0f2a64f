package dev.skein.it.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skein.it.support.AgentLogs;
import dev.skein.it.support.EtcdServer;
import dev.skein.it.support.MeshJvm;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * A rolling restart under load: every server instance in turn gets SIGTERM (its registration
 * goes first, then it serves until clients have moved away) and a replacement starts. Each
 * request takes 100 ms, so some are always in flight when the signal arrives. No request fails.
 */
class GracefulShutdownIT {
  static final int RATE = 60;
  static final Pattern IN_FLIGHT = Pattern.compile("serving (\\d+) in-flight requests");
  static final Pattern DRAINED = Pattern.compile("drained in (\\d+) ms");

  @Test
  void rollingRestartOfEveryServerUnderLoadLosesNoRequest() throws Exception {
    List<MeshJvm> servers = new ArrayList<>();
    try (EtcdServer etcd = EtcdServer.started()) {
      List<EchoServers.Started> originals = new ArrayList<>();
      for (String body : List.of("a", "b", "c")) {
        originals.add(start(etcd, body));
        servers.add(originals.get(originals.size() - 1).jvm());
      }
      try (Traffic traffic =
          Traffic.start(
              MeshJvm.builder("traffic").property("skein.service", "frontend").property("skein.etcd.endpoints", etcd.endpoint()),
              "http://orders/x",
              RATE)) {
        long start = Traffic.now();
        traffic.awaitSecond(start, s -> s.failed() == 0 && s.bodies().keySet().containsAll(List.of("a", "b", "c")), Duration.ofSeconds(30));
        long steady = Traffic.now();

        List<String> report = new ArrayList<>();
        int drained = 0;
        int inFlightAtSignal = 0;
        List<String> noDrainLogs = new ArrayList<>();
        for (EchoServers.Started old : originals) {
          long term = Traffic.now();
          // SIGTERM through the handle: Process.destroy() would also close our end of its stdout/stderr.
          old.jvm().process().toHandle().destroy();
          long gone = awaitDeregistered(etcd, old.port());
          assertThat(old.jvm().process().waitFor(20, TimeUnit.SECONDS)).as("exited after SIGTERM").isTrue();
          long exited = Traffic.now();
          String log = logAfterExit(old.jvm());
          Matcher inFlight = IN_FLIGHT.matcher(log);
          boolean started = inFlight.find();
          if (started) {
            inFlightAtSignal += Integer.parseInt(inFlight.group(1));
          }
          if (DRAINED.matcher(log).find()) {
            drained++;
          }
          report.add(String.format("%s: key gone %d ms, exit %d ms after SIGTERM, %s in flight",
              old.jvm().process().pid(), (gone - term) / 1_000_000, (exited - term) / 1_000_000, started ? inFlight.group(1) : "?"));
          if (!started) {
            noDrainLogs.add(log);
          }
          assertThat(gone).as("the registration goes before the process exits").isLessThan(exited);

          String body = new String[] {"a2", "b2", "c2"}[report.size() - 1];
          EchoServers.Started replacement = start(etcd, body);
          servers.add(replacement.jvm());
          traffic.awaitSecond(Traffic.now(), s -> s.bodies().containsKey(body), Duration.ofSeconds(30));
        }
        traffic.awaitSeconds(2);
        int failed = traffic.failed(steady);
        int sent = traffic.ok(steady) + failed;
        System.out.printf("rolling restart of 3 servers at %d rps: sent=%d failed=%d; %d in flight at the signals;"
            + " %d of 3 drained before the period ended%n  %s%n", RATE, sent, failed, inFlightAtSignal, drained, String.join("\n  ", report));

        assertThat(noDrainLogs).as("instances that did not drain").isEmpty();
        assertThat(failed).as("failed requests during the rolling restart; " + traffic.tail(40)).isZero();
        assertThat(traffic.body(steady, "a") + traffic.body(steady, "b") + traffic.body(steady, "c")).isGreaterThan(0);
        assertThat(sent).isGreaterThan(RATE * 5);
        assertThat(traffic.jvm.agentLog()).doesNotContainPattern(AgentLogs.ERROR_LINE);
      }
    } finally {
      for (MeshJvm s : servers) {
        s.close();
      }
    }
  }

  private static EchoServers.Started start(EtcdServer etcd, String body) {
    try {
      return EchoServers.start(etcd.endpoint(), etcd::getPrefix, "v1", body, 0, b -> b.env("ECHO_DELAY_MS", "100"));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** The agent's log once its stderr has been read to the end (the pump may lag the exit). */
  private static String logAfterExit(MeshJvm jvm) throws InterruptedException {
    long deadline = Traffic.now() + Duration.ofSeconds(5).toNanos();
    while (!DRAINED.matcher(jvm.agentLog()).find() && !jvm.agentLog().contains("drain period") && Traffic.now() < deadline) {
      Thread.sleep(20);
    }
    return jvm.agentLog();
  }

  private static long awaitDeregistered(EtcdServer etcd, int port) throws InterruptedException {
    long deadline = Traffic.now() + Duration.ofSeconds(15).toNanos();
    while (Traffic.now() < deadline) {
      if (!etcd.getPrefix("/skein/endpoints/").contains("\"port\":" + port + ",")) {
        return Traffic.now();
      }
      Thread.sleep(10);
    }
    throw new AssertionError("registration of port " + port + " still there 15 s after SIGTERM");
  }
}
