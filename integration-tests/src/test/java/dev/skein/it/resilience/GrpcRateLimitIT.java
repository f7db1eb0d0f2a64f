package dev.skein.it.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skein.it.support.EtcdServer;
import dev.skein.it.support.MeshJvm;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The server-side RateLimitPolicy for a gRPC server, through real etcd: a client sends 200 calls
 * a second, open loop, for 4 s; the {@code orders} server lets the policy's rate through and
 * answers RESOURCE_EXHAUSTED to the rest. The policy changes live.
 */
class GrpcRateLimitIT {
  static final String KEY = "/skein/policies/default/RateLimitPolicy/orders";
  private static final Pattern PACED = Pattern.compile("paced sent=(\\d+) ok=(\\d+) codes=(\\{.*?\\}) seconds=.*");
  private static EtcdServer etcd;
  private static MeshJvm server;
  private static MeshJvm client;

  @BeforeAll
  static void startMesh() throws Exception {
    etcd = EtcdServer.started();
    server =
        MeshJvm.builder("grpc-orders")
            .property("skein.service", "orders")
            .property("skein.etcd.endpoints", etcd.endpoint())
            .property("skein.advertise.address", "127.0.0.1")
            .start("dev.skein.it.apps.resilience.GrpcFlaky", "server");
    server.awaitLineStartingWith("listening", Duration.ofSeconds(30));
    for (int i = 0; i < 100 && !etcd.getPrefix("/skein/endpoints/default/orders/").contains("grpc"); i++) {
      Thread.sleep(100);
    }
    client =
        MeshJvm.builder("grpc-client")
            .property("skein.first.snapshot.wait.ms", "20000") // a loaded machine may take longer than the default 2 s
            .property("skein.service", "frontend")
            .property("skein.etcd.endpoints", etcd.endpoint())
            .start("dev.skein.it.apps.resilience.GrpcFlaky", "client", "orders");
    client.awaitLineStartingWith("ready", Duration.ofSeconds(30));
    for (int i = 0; i < 100 && !server.agentLog().contains("policies from etcd"); i++) {
      Thread.sleep(100);
    }
    pace(20, 1); // warm up both JVMs
  }

  @AfterAll
  static void stopMesh() throws Exception {
    for (AutoCloseable c : new AutoCloseable[] {client, server, etcd}) {
      if (c != null) {
        c.close();
      }
    }
  }

  static Matcher pace(int rps, int seconds) throws Exception {
    client.send("pace " + rps + " " + seconds);
    String line = client.awaitLine(l -> l.startsWith("paced"), Duration.ofSeconds(60));
    Matcher m = PACED.matcher(line);
    assertThat(m.matches()).as(line + "\n" + client.agentLog()).isTrue();
    return m;
  }

  static void limit(int rps, int burst) throws Exception {
    etcd.put(
        KEY,
        """
        kind: RateLimitPolicy
        metadata: {name: orders}
        spec:
          selector: {service: orders}
          requestsPerSecond: %d
          burst: %d
        """
            .formatted(rps, burst));
    String expected = "rate limit for orders: " + (double) rps + " requests/s, burst " + burst;
    for (int i = 0; i < 50 && !server.agentLog().contains(expected); i++) {
      Thread.sleep(100);
    }
    assertThat(server.agentLog()).contains(expected);
    Thread.sleep(200); // let the new bucket's first token be the only one in it
  }

  @Test
  void acceptsTheSetRateAndRefusesTheRestWithResourceExhausted() throws Exception {
    limit(50, 0);
    Matcher m = pace(200, 4);
    int ok = Integer.parseInt(m.group(2));
    System.out.printf("grpc rate limit 50 rps, burst 0, 200 rps sent for 4 s: %d accepted (%s)%n", ok, m.group());
    assertThat(ok).as(m.group()).isBetween(180, 220);
    assertThat(m.group(3)).isEqualTo("{RESOURCE_EXHAUSTED=" + (800 - ok) + "}");

    limit(100, 20);
    m = pace(200, 4);
    ok = Integer.parseInt(m.group(2));
    System.out.printf("grpc rate limit 100 rps, burst 20, 200 rps sent for 4 s: %d accepted (%s)%n", ok, m.group());
    assertThat(ok).as(m.group()).isBetween(378, 462); // 400 + the burst of 20, +- 10%

    etcd.delete(KEY);
    for (int i = 0; i < 50 && !server.agentLog().contains("rate limit for orders removed"); i++) {
      Thread.sleep(100);
    }
    m = pace(200, 1);
    assertThat(m.group(2)).as("no policy, no limit: " + m.group()).isEqualTo("200");
  }
}
