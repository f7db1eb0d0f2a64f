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
 * Outlier detection for gRPC, through real etcd: two {@code orders} gRPC servers (v1, v2) behind
 * one mesh channel; v2 answers UNAVAILABLE to everything, is ejected after
 * {@code consecutive5xxErrors} and calls go to v1; healed, v2 gets calls again after
 * {@code baseEjectionTime}.
 */
class GrpcOutlierDetectionIT {
  private static final Pattern RESULT = Pattern.compile("result ok=(\\d+) codes=(\\{.*?\\}) .* bodies=(\\{.*?\\}) last=.*");
  private static EtcdServer etcd;
  private static MeshJvm v1;
  private static MeshJvm v2;
  private static MeshJvm client;

  @BeforeAll
  static void startMesh() throws Exception {
    etcd = EtcdServer.started();
    v1 = server("v1");
    v2 = server("v2");
    for (int i = 0; i < 100 && etcd.getPrefix("/skein/endpoints/default/orders/").split("grpc", -1).length < 3; i++) {
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
    etcd.put(Policies.DESTINATION_KEY, OkHttpOutlierDetectionIT.OUTLIER);
    for (int i = 0; i < 50 && !call(4).group(3).contains("v2="); i++) {
      Thread.sleep(200);
    }
    Thread.sleep(500);
  }

  private static MeshJvm server(String version) throws Exception {
    MeshJvm jvm =
        MeshJvm.builder("grpc-orders-" + version)
            .property("skein.service", "orders")
            .property("skein.labels", "version=" + version)
            .property("skein.etcd.endpoints", etcd.endpoint())
            .property("skein.advertise.address", "127.0.0.1")
            .env("ECHO_VERSION", version)
            .start("dev.skein.it.apps.resilience.GrpcFlaky", "server");
    jvm.awaitLineStartingWith("listening", Duration.ofSeconds(30));
    return jvm;
  }

  @AfterAll
  static void stopMesh() throws Exception {
    for (AutoCloseable c : new AutoCloseable[] {client, v1, v2, etcd}) {
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

  static void tell(MeshJvm server, String command) throws Exception {
    server.send(command);
    server.awaitLine(l -> l.equals("ok"), Duration.ofSeconds(10));
  }

  @Test
  void aFailingEndpointIsEjectedAndReturnsAfterTheEjectionTime() throws Exception {
    tell(v2, "fail 100");
    Matcher ejecting = call(40);
    System.out.printf("grpc outlier detection, v2 failing: %s%n", ejecting.group());
    // Round robin sends v2 every other call: its third UNAVAILABLE in a row ejects it.
    assertThat(ejecting.group(2)).as(ejecting.group()).isEqualTo("{UNAVAILABLE=3}");
    assertThat(ejecting.group(3)).isEqualTo("{v1=37}");

    tell(v2, "fail 0");
    Thread.sleep(2200);
    Matcher back = call(20);
    System.out.printf("grpc outlier detection, after baseEjectionTime: %s%n", back.group());
    assertThat(back.group(1)).as(back.group()).isEqualTo("20");
    assertThat(back.group(3)).isEqualTo("{v1=10, v2=10}");
  }
}
