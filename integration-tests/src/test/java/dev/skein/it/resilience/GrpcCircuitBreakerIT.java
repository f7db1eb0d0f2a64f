package dev.skein.it.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skein.it.support.EtcdServer;
import dev.skein.it.support.MeshJvm;
import dev.skein.it.support.Policies;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The circuit breaker for gRPC, through real etcd: a mesh channel to one {@code orders} server
 * told to answer UNAVAILABLE to everything. After {@code minimumCalls} failures the pick fails
 * fast with UNAVAILABLE "skein: circuit open" (the server stops seeing calls); after
 * {@code openStateDuration}, with the server healed, calls succeed again.
 */
class GrpcCircuitBreakerIT {
  private static final Pattern RESULT = Pattern.compile("result ok=(\\d+) codes=(\\{.*?\\}) descriptions=(\\{.*?\\}) maxMillis=(\\d+).*");
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
    for (int i = 0; i < 100 && !client.agentLog().contains("policies from etcd"); i++) {
      Thread.sleep(100);
    }
  }

  @AfterAll
  static void stopMesh() throws Exception {
    for (AutoCloseable c : new AutoCloseable[] {client, server, etcd}) {
      if (c != null) {
        c.close();
      }
    }
  }

  static Matcher call(int count) throws Exception {
    client.send("call " + count);
    String line = client.awaitLine(l -> l.startsWith("result"), Duration.ofSeconds(120));
    Matcher m = RESULT.matcher(line);
    assertThat(m.matches()).as(line + "\n" + client.agentLog()).isTrue();
    return m;
  }

  static void server(String command) throws Exception {
    server.send(command);
    server.awaitLine(l -> l.equals("ok"), Duration.ofSeconds(10));
  }

  static long serverCount() throws Exception {
    server.send("count");
    String line = server.awaitLineStartingWith("count", Duration.ofSeconds(10));
    server.awaitLine(l -> l.equals("ok"), Duration.ofSeconds(10));
    return Long.parseLong(line.substring(6).trim());
  }

  @Test
  void opensAfterMinimumCallsFailsFastAndClosesOnceHealed() throws Exception {
    assertThat(call(5).group(1)).as(client.agentLog()).isEqualTo("5");
    etcd.put(Policies.DESTINATION_KEY, OkHttpCircuitBreakerIT.BREAKER);
    Thread.sleep(1000);
    server("fail 100");
    serverCount();

    Matcher failing = call(10);
    assertThat(failing.group(2)).as(failing.group()).isEqualTo("{UNAVAILABLE=10}");
    assertThat(failing.group(3)).isEqualTo("{other=10}");
    Matcher open = call(50);
    long reached = serverCount();
    System.out.printf("grpc breaker: %d calls reached the failing server, then %s%n", reached, open.group());
    assertThat(open.group(2)).as(open.group()).isEqualTo("{UNAVAILABLE=50}");
    assertThat(open.group(3)).isEqualTo("{circuit-open=50}");
    assertThat(reached).as("only the calls before the breaker opened").isEqualTo(10);
    assertThat(Long.parseLong(open.group(4))).as("fail fast").isLessThan(50);

    server("fail 0");
    Thread.sleep(2200);
    Matcher healed = call(30);
    System.out.printf("grpc breaker after openStateDuration, server healed: %s%n", healed.group());
    assertThat(healed.group(1)).as(healed.group()).isEqualTo("30");
    assertThat(serverCount()).isEqualTo(30);
  }
}
