package dev.skein.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

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

/** The same agent jar, routing and registering, with every JVM on Java 25. */
class Java25IT {
  @Test
  void routingWorksUnderJava25() throws Exception {
    String java25 = System.getProperty("skein.it.java25", "");
    // CI installs Temurin 25 at this path; a developer machine without it skips, CI never does.
    assumeTrue(System.getenv("CI") != null || Files.isExecutable(Path.of(java25)), "no Java 25 at " + java25);
    try (EtcdServer etcd = EtcdServer.started(); TwoVersionMesh mesh = new TwoVersionMesh(etcd)) {
      etcd.put(Policies.DESTINATION_KEY, Policies.ORDERS_SUBSETS);
      etcd.put(Policies.ROUTE_KEY, Policies.split(90, 10));
      mesh.startServer("v1");
      mesh.startServer("v2");
      mesh.startClient(MeshJvm.builder("client-java25").java(java25));
      Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> mesh.send(50, "http://orders/x").ok() == 50);
      Outcome o = mesh.send(2000, "http://orders/x");
      assertThat(o.failed()).isZero();
      assertThat(o.count("v2") / 2000.0).as(o.line()).isBetween(0.07, 0.13);
      assertThat(mesh.client.agentLog()).doesNotContainPattern(dev.skein.it.support.AgentLogs.ERROR_LINE);
    }
  }
}
