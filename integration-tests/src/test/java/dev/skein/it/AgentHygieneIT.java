package dev.skein.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skein.it.support.EtcdServer;
import dev.skein.it.support.FreePorts;
import dev.skein.it.support.MeshJvm;
import dev.skein.it.support.TwoVersionMesh;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What the agent must never do to an application: keep its JVM alive, write into its output,
 * or clash with the libraries it carries.
 */
class AgentHygieneIT {
  private static EtcdServer etcd;
  private static TwoVersionMesh mesh;

  @BeforeAll
  static void start() throws Exception {
    etcd = EtcdServer.started();
    mesh = new TwoVersionMesh(etcd);
    mesh.startServer("v1");
  }

  @AfterAll
  static void stop() throws Exception {
    mesh.close();
    etcd.close();
  }

  @Test
  void aJvmWhoseMainReturnsExitsAndItsOutputIsOnlyItsOwn() throws Exception {
    MeshJvm jvm =
        MeshJvm.builder("batch")
            .property("skein.service", "batch")
            .property("skein.etcd.endpoints", etcd.endpoint())
            .start("dev.skein.it.apps.FirstRequest", "http://orders/job");
    String line = jvm.awaitLineStartingWith("first-response", Duration.ofSeconds(30));
    assertThat(line).isEqualTo("first-response 200 v1");
    assertThat(jvm.process().waitFor(15, TimeUnit.SECONDS)).as("the agent kept the JVM alive").isTrue();
    assertThat(jvm.process().exitValue()).isZero();
    // Nothing but the app's line on stdout: no SLF4J or class-sharing warnings.
    Thread.sleep(200); // let the output pump reach the end of the stream
    assertThat(jvm.stdoutLines()).containsExactly("first-response 200 v1");
    assertThat(jvm.agentLog()).doesNotContain("SLF4J").doesNotContain("Sharing is only supported");
    // The start-up phases, in the order they must come: the first request is routed only once
    // the instrumentation and the first snapshot are in.
    assertThat(jvm.agentLog())
        .containsPattern("start-up \\(ms since premain\\): premain \\d+, .*first request \\d+")
        .containsPattern("start-up .*snapshot \\d+.*first request")
        .containsPattern("start-up .*instrumentation \\d+.*first request");
  }

  @Test
  void theAgentsOwnNettyRunsOneEventLoopWithUnpooledBuffersAndLeavesTheApplicationsSettingsAlone() throws Exception {
    // Only OTLP over gRPC uses the agent's Netty (etcd is reached over its JSON gateway): the
    // exporter's channel, against a port nobody listens on, starts its event loop on the first
    // export: metrics, every 500 ms (the first request's span is made before the SDK is up).
    MeshJvm jvm =
        MeshJvm.builder("netty-probe")
            .property("skein.service", "netty-probe")
            .property("skein.etcd.endpoints", etcd.endpoint())
            .property("otel.exporter.otlp.protocol", "grpc")
            .property("otel.exporter.otlp.endpoint", "http://127.0.0.1:" + FreePorts.next())
            .property("otel.metric.export.interval", "500")
            .start("dev.skein.it.apps.AgentNettyProbe", "http://orders/probe");
    assertThat(jvm.awaitLineStartingWith("first-response", Duration.ofSeconds(30))).isEqualTo("first-response 200 v1");
    assertThat(jvm.awaitLineStartingWith("netty", Duration.ofSeconds(40))).isEqualTo("netty unpooled 1 false null workers=1");
    assertThat(jvm.process().waitFor(15, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void withoutOtlpOverGrpcTheAgentRunsNoNettyAtAll() throws Exception {
    // Policies, registrations, leases and the certificate's watch all go over etcd's JSON gateway.
    MeshJvm jvm =
        MeshJvm.builder("no-netty")
            .property("skein.service", "no-netty")
            .property("skein.etcd.endpoints", etcd.endpoint())
            .start("dev.skein.it.apps.AgentNettyProbe", "http://orders/probe", "3");
    assertThat(jvm.awaitLineStartingWith("first-response", Duration.ofSeconds(30))).isEqualTo("first-response 200 v1");
    assertThat(jvm.awaitLineStartingWith("netty", Duration.ofSeconds(20))).isEqualTo("netty null null null null workers=0");
    assertThat(jvm.process().waitFor(15, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void aJvmExitsEvenWhenEtcdIsUnreachable() throws Exception {
    MeshJvm jvm =
        MeshJvm.builder("batch-no-etcd")
            .property("skein.service", "batch")
            .property("skein.etcd.endpoints", "http://127.0.0.1:" + FreePorts.next())
            .start("dev.skein.it.apps.FirstRequest", "http://127.0.0.1:" + v1Port() + "/job");
    assertThat(jvm.awaitLineStartingWith("first-response", Duration.ofSeconds(30))).isEqualTo("first-response 200 v1");
    assertThat(jvm.process().waitFor(15, TimeUnit.SECONDS)).as("the agent kept the JVM alive").isTrue();
  }

  @Test
  void anApplicationCarryingItsOwnJacksonNettyAndGrpcKeepsItsVersions() throws Exception {
    Path libs = Path.of(System.getProperty("skein.it.appLibs", "target/app-libs"));
    List<String> cp = new ArrayList<>(List.of(System.getProperty("java.class.path").split(File.pathSeparator)));
    cp.removeIf(e -> e.contains("jackson") || e.contains("netty") || e.contains("grpc") || e.contains("guava"));
    try (Stream<Path> jars = Files.list(libs)) {
      jars.forEach(j -> cp.add(j.toString()));
    }
    MeshJvm jvm =
        MeshJvm.builder("isolation")
            .property("skein.service", "isolation")
            .property("skein.etcd.endpoints", etcd.endpoint())
            .classPath(String.join(File.pathSeparator, cp))
            .start("dev.skein.it.apps.IsolationApp", "http://orders/iso");
    assertThat(jvm.awaitLineStartingWith("jackson", Duration.ofSeconds(30))).isEqualTo("jackson jackson-databind-2.15.4.jar {\"ok\":true}");
    assertThat(jvm.awaitLineStartingWith("netty", Duration.ofSeconds(10))).isEqualTo("netty netty-buffer-4.1.115.Final.jar netty-ok");
    assertThat(jvm.awaitLineStartingWith("grpc", Duration.ofSeconds(10))).isEqualTo("grpc grpc-api-1.60.0.jar OK");
    assertThat(jvm.awaitLineStartingWith("first-response", Duration.ofSeconds(30))).isEqualTo("first-response 200 v1");
    assertThat(jvm.process().waitFor(15, TimeUnit.SECONDS)).isTrue();
  }

  private static String v1Port() {
    return etcd.getPrefix("/skein/endpoints/default/orders/").lines()
        .filter(l -> l.contains("\"v1\""))
        .findFirst()
        .map(l -> l.replaceAll(".*\"port\":(\\d+).*", "$1"))
        .orElseThrow();
  }
}
