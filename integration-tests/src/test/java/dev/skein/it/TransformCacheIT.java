package dev.skein.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skein.it.support.EtcdServer;
import dev.skein.it.support.MeshJvm;
import dev.skein.it.support.TwoVersionMesh;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The transformation cache in {@code skein.cache.dir}: a JVM that starts again with it loads its
 * instrumented classes from the cache, never starts Byte Buddy, and is still in the mesh; a
 * damaged entry costs only the cache, never the application.
 */
class TransformCacheIT {
  private static final String BYTE_BUDDY = "net.bytebuddy.";
  private static EtcdServer etcd;
  private static TwoVersionMesh mesh;

  @TempDir Path dir;

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
  void aRestartReplaysTheInstrumentedClassesWithoutByteBuddy() throws Exception {
    Path cache = dir.resolve("cache");

    Run first = run("first", cache);
    assertThat(first.agentLog).contains("instrumented jdk.internal.net.http.HttpClientImpl\n").doesNotContain("(cached)");
    assertThat(first.classes).anyMatch(c -> c.contains(BYTE_BUDDY));

    Run restart = run("restart", cache);
    assertThat(restart.agentLog)
        .contains("instrumentation ready (from the transformation cache")
        .contains("instrumented jdk.internal.net.http.HttpClientImpl (cached)");
    assertThat(restart.classes).as("classes loaded on a restart").noneMatch(c -> c.contains(BYTE_BUDDY));
  }

  @Test
  void aDamagedEntryFallsBackToByteBuddy() throws Exception {
    Path cache = dir.resolve("cache");
    run("fill", cache);
    Path entry;
    try (Stream<Path> files = Files.walk(cache.resolve("transforms"))) {
      entry = files.filter(p -> p.getFileName().toString().startsWith("jdk.internal.net.http.HttpClientImpl.")).findFirst().orElseThrow();
    }
    byte[] content = Files.readAllBytes(entry);
    content[content.length / 2] ^= 0x5a;
    Files.write(entry, content);

    Run damaged = run("damaged", cache);
    assertThat(damaged.agentLog)
        .contains("transformation cache: ignoring damaged " + entry)
        .contains("instrumented jdk.internal.net.http.HttpClientImpl\n");
    assertThat(damaged.classes).anyMatch(c -> c.contains(BYTE_BUDDY));
    assertThat(entry).as("rewritten by the run that fell back").exists();
  }

  private record Run(String agentLog, List<String> classes) {}

  /** A short-lived client calling {@code orders} by name; it must be routed to the v1 instance. */
  private Run run(String name, Path cache) throws Exception {
    Path classLog = dir.resolve(name + "-classes.log");
    MeshJvm jvm =
        MeshJvm.builder("cache-" + name)
            .property("skein.service", "batch")
            .property("skein.etcd.endpoints", etcd.endpoint())
            .property("skein.cache.dir", cache.toString())
            .property("skein.log.level", "debug")
            .jvmArg("-Xlog:class+load=info:file=" + classLog)
            .start("dev.skein.it.apps.FirstRequest", "http://orders/job");
    assertThat(jvm.awaitLineStartingWith("first-response", Duration.ofSeconds(30))).isEqualTo("first-response 200 v1");
    assertThat(jvm.process().waitFor(15, TimeUnit.SECONDS)).isTrue();
    Thread.sleep(200); // let the output pump reach the end of the stream
    return new Run(jvm.agentLog(), Files.readAllLines(classLog));
  }
}
