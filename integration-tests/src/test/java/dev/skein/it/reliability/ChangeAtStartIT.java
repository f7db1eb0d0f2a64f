package dev.skein.it.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skein.it.support.AgentLogs;
import dev.skein.it.support.EtcdServer;
import dev.skein.it.support.FreePorts;
import dev.skein.it.support.MeshJvm;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.LocalTime;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * A change made in an agent's first seconds, right after its first snapshot, applies within a
 * second: an instance deregistering on SIGTERM just as a client starts must not keep receiving
 * that client's requests. The watch starts from the first snapshot's revision as soon as it is
 * read (no start-up deferral holds it back), so nothing between the two is missed and nothing is
 * replayed that would bring the removed endpoint back.
 */
class ChangeAtStartIT {
  private static final String ORDERS = "/skein/endpoints/default/orders/";
  private static final Pattern WATCH_STARTED = Pattern.compile("\\[skein\\] (\\S+) INFO policies from etcd");
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

  @Test
  void anEndpointRemovedJustAfterTheFirstSnapshotIsDroppedWithinASecond() throws Exception {
    int first = FreePorts.next();
    int second = FreePorts.next();
    int third = FreePorts.next();
    int admin = FreePorts.next();
    try (EtcdServer etcd = EtcdServer.started()) {
      etcd.put(ORDERS + "orders-a", endpoint(first));
      etcd.put(ORDERS + "orders-b", endpoint(second));
      // No request and no server: nothing but the agent's own start.
      MeshJvm client =
          MeshJvm.builder("early-client")
              .property("skein.etcd.endpoints", etcd.endpoint())
              .property("skein.admin.port", Integer.toString(admin))
              .start("dev.skein.it.apps.ClientDriver");
      try {
        awaitClusters(admin, c -> c.contains(":" + first) && c.contains(":" + second), Duration.ofSeconds(30));

        etcd.delete(ORDERS + "orders-a");
        long deleted = System.nanoTime();
        awaitClusters(admin, c -> !c.contains(":" + first) && c.contains(":" + second), Duration.ofSeconds(10));
        long removedMs = (System.nanoTime() - deleted) / 1_000_000;
        LocalTime removedAt = LocalTime.now();
        System.out.printf("endpoint removed just after the first snapshot: applied %d ms after the delete%n", removedMs);
        assertThat(removedMs).as("ms from the delete to the client's admin endpoint").isLessThan(1_000);
        assertThat(awaitWatchStarted(client)).as("the watch started with the first snapshot").isBefore(removedAt);

        // A later change arrives, the removed endpoint stays removed.
        etcd.put(ORDERS + "orders-c", endpoint(third));
        awaitClusters(admin, c -> c.contains(":" + third), Duration.ofSeconds(10));
        assertThat(clusters(admin)).doesNotContain(":" + first).contains(":" + second);
        assertThat(client.agentLog()).doesNotContainPattern(AgentLogs.ERROR_LINE);
      } finally {
        client.close();
      }
    }
  }

  private static String endpoint(int port) {
    return "{\"address\":\"127.0.0.1\",\"port\":" + port + ",\"protocol\":\"http\",\"labels\":{}}";
  }

  private static LocalTime awaitWatchStarted(MeshJvm client) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      Matcher m = WATCH_STARTED.matcher(client.agentLog());
      if (m.find()) {
        return LocalTime.parse(m.group(1));
      }
      Thread.sleep(20);
    }
    throw new AssertionError("the etcd watch never started; agent log:\n" + client.agentLog());
  }

  private static void awaitClusters(int admin, Predicate<String> condition, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = null;
    while (System.nanoTime() < deadline) {
      try {
        last = clusters(admin);
        if (condition.test(last)) {
          return;
        }
      } catch (Exception e) {
        last = e.toString(); // the admin port is not open yet
      }
      Thread.sleep(10);
    }
    throw new AssertionError("/clusters never matched within " + timeout + "; last answer: " + last);
  }

  private static String clusters(int admin) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + "/clusters")).build(), HttpResponse.BodyHandlers.ofString())
        .body();
  }
}
