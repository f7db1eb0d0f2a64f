package dev.skein.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skein.it.support.EtcdServer;
import dev.skein.it.support.MeshJvm;
import dev.skein.it.support.Policies;
import dev.skein.it.support.TwoVersionMesh;
import dev.skein.it.support.TwoVersionMesh.Outcome;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** An invalid policy put with etcdctl never replaces the last good one, and no request fails. */
class BadPolicyIT {
  @Test
  void invalidRouteIsRejectedWithOneLineAndTheLastGoodRouteStays() throws Exception {
    try (EtcdServer etcd = EtcdServer.started(); TwoVersionMesh mesh = new TwoVersionMesh(etcd)) {
      etcd.put(Policies.DESTINATION_KEY, Policies.ORDERS_SUBSETS);
      etcd.put(Policies.ROUTE_KEY, Policies.split(0, 100));
      mesh.startServer("v1");
      mesh.startServer("v2");
      mesh.startClient(MeshJvm.builder("client"));
      Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> mesh.send(10, "http://orders/x").count("v2") == 10);

      etcd.put(Policies.ROUTE_KEY, Policies.split(140, 100).replace("name: split", "name: broken"));
      Awaitility.await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> mesh.client.agentLog().contains("/skein/policies/default/Route/orders: spec.http[0].route[0].weight"));
      String line =
          mesh.client.agentLog().lines().filter(l -> l.contains("spec.http[0].route[0].weight")).findFirst().orElseThrow();
      assertThat(line).startsWith("[skein]").contains("WARN").contains("140");

      Outcome o = mesh.send(200, "http://orders/x");
      assertThat(o.failed()).isZero();
      assertThat(o.count("v2")).as("the previous 0/100 route is still in force: " + o.line()).isEqualTo(200);

      // Not even valid YAML: same story.
      etcd.put(Policies.ROUTE_KEY, "spec: {host: [orders");
      Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> mesh.client.agentLog().lines()
          .filter(l -> l.contains("/skein/policies/default/Route/orders:")).count() >= 2);
      o = mesh.send(100, "http://orders/x");
      assertThat(o.failed()).isZero();
      assertThat(o.count("v2")).isEqualTo(100);

      // A valid route after the bad ones takes effect.
      etcd.put(Policies.ROUTE_KEY, Policies.split(100, 0));
      Awaitility.await().atMost(Duration.ofSeconds(2)).until(() -> mesh.send(10, "http://orders/x").count("v1") == 10);
    }
  }
}
