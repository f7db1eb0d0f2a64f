package dev.skein.it.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skein.it.support.EtcdServer;
import dev.skein.it.support.FreePorts;
import dev.skein.it.support.MeshJvm;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The engine throws on every request ({@code skein.test.fault=route}, the engine's
 * fault-injection switch for tests): the application's requests still succeed, unrouted, and
 * the fault is counted and logged once.
 */
class AgentFaultIT {
  @Test
  void anEngineThatThrowsOnEveryRequestBreaksNoRequest() throws Exception {
    try (EtcdServer etcd = EtcdServer.started()) {
      EchoServers.Started server = EchoServers.start(etcd.endpoint(), etcd::getPrefix, "v1", "v1", 0);
      int admin = FreePorts.next();
      try (MeshJvm ignored = server.jvm();
          Traffic traffic =
              Traffic.start(
                  MeshJvm.builder("faulty-client")
                      .property("skein.service", "frontend")
                      .property("skein.etcd.endpoints", etcd.endpoint())
                      .property("skein.admin.port", Integer.toString(admin))
                      .property("skein.test.fault", "route"),
                  "http://127.0.0.1:" + server.port() + "/x",
                  100)) {
        long start = Traffic.now();
        traffic.awaitSecond(start, s -> s.ok() > 0, Duration.ofSeconds(30));
        traffic.awaitSeconds(5);
        int ok = traffic.ok(start);
        int failed = traffic.failed(start);

        String dump = HttpClient.newHttpClient()
            .send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + "/config_dump")).build(), HttpResponse.BodyHandlers.ofString())
            .body();
        Matcher m = Pattern.compile("\"routeHttp\"\\s*:\\s*(\\d+)").matcher(dump);
        assertThat(m.find()).as("agentFaults.routeHttp in /config_dump:\n" + dump).isTrue();
        long faults = Long.parseLong(m.group(1));
        long logged = traffic.jvm.agentLog().lines().filter(l -> l.contains("agent fault in routeHttp")).count();
        System.out.printf("agent fault on every request: sent=%d failed=%d, faults counted=%d, logged %d time(s)%n",
            ok + failed, failed, faults, logged);

        assertThat(failed).as(traffic.tail(10)).isZero();
        assertThat(ok).isGreaterThan(300);
        assertThat(faults).as("every request hit the fault").isGreaterThanOrEqualTo(ok);
        assertThat(logged).as("logged once:\n" + traffic.jvm.agentLog()).isEqualTo(1);
      }
    }
  }
}
