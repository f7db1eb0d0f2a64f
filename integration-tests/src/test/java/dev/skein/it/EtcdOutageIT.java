package dev.skein.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skein.it.support.EtcdServer;
import dev.skein.it.support.MeshJvm;
import dev.skein.it.support.Policies;
import dev.skein.it.support.TwoVersionMesh;
import dev.skein.it.support.TwoVersionMesh.Outcome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** etcd goes away and comes back; a client starts while etcd is down. */
class EtcdOutageIT {
  @Test
  void requestsKeepFlowingWhileEtcdIsDownAndNewPutsApplyAfterItReturns() throws Exception {
    Path cache = Files.createTempDirectory("skein-cache");
    try (EtcdServer etcd = EtcdServer.started(); TwoVersionMesh mesh = new TwoVersionMesh(etcd)) {
      etcd.put(Policies.DESTINATION_KEY, Policies.ORDERS_SUBSETS);
      etcd.put(Policies.ROUTE_KEY, Policies.split(0, 100));
      mesh.startServer("v1");
      mesh.startServer("v2");
      mesh.startClient(MeshJvm.builder("client").property("skein.cache.dir", cache.toString()));
      Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> mesh.send(10, "http://orders/x").count("v2") == 10);

      etcd.stop();
      Outcome during = mesh.send(300, "http://orders/x");
      assertThat(during.failed()).isZero();
      assertThat(during.count("v2")).as(during.line()).isEqualTo(300);

      // A second client starts while etcd is down: it serves from the cached snapshot.
      MeshJvm late =
          MeshJvm.builder("late-client")
              .property("skein.service", "frontend")
              .property("skein.etcd.endpoints", etcd.endpoint())
              .property("skein.cache.dir", cache.toString())
              .start("dev.skein.it.apps.ClientDriver");
      try {
        late.awaitLineStartingWith("ready", Duration.ofSeconds(30));
        late.send("send 50 http://orders/x sync");
        Outcome cached = parse(late.awaitLineStartingWith("result", Duration.ofSeconds(60)));
        assertThat(cached.failed()).as(late.agentLog()).isZero();
        assertThat(cached.count("v2")).as(cached.line()).isEqualTo(50);
        assertThat(late.agentLog()).contains("cached policy snapshot");
      } finally {
        late.close();
      }

      etcd.start();
      etcd.put(Policies.ROUTE_KEY, Policies.split(100, 0));
      Awaitility.await()
          .atMost(Duration.ofSeconds(20))
          .pollInterval(Duration.ofMillis(250))
          .until(() -> mesh.send(10, "http://orders/x").count("v1") == 10);
      Outcome after = mesh.send(100, "http://orders/x");
      assertThat(after.failed()).isZero();
      assertThat(after.count("v1")).isEqualTo(100);
    }
  }

  private static Outcome parse(String line) throws Exception {
    var m = java.util.regex.Pattern.compile("result ok=(\\d+) failed=(\\d+) bodies=\\{v2=(\\d+)\\}.*").matcher(line);
    if (!m.matches()) {
      throw new AssertionError("unexpected: " + line);
    }
    return new Outcome(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), java.util.Map.of("v2", Integer.parseInt(m.group(3))), line);
  }
}
