package dev.skein.it.http.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skein.it.support.EtcdServer;
import dev.skein.it.support.MeshJvm;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server library outside the module's version range is left alone: one debug line, no
 * registration, and the application serves as usual. The Undertow jar is the real one; a
 * {@code version.properties} earlier on the class path makes it report 2.2, as an old jar would.
 */
class UndertowUnsupportedVersionIT {
  @Test
  void versionOutsideTheRangeIsSkippedWithOneDebugLine(@TempDir Path dir) throws Exception {
    Files.createDirectories(dir.resolve("io/undertow"));
    Files.writeString(dir.resolve("io/undertow/version.properties"), "undertow.version=2.2.99.Final\n");
    try (EtcdServer etcd = EtcdServer.started();
        MeshJvm jvm =
            MeshJvm.builder("undertow-2.2")
                .property("skein.service", "orders")
                .property("skein.etcd.endpoints", etcd.endpoint())
                .property("skein.log.level", "debug")
                .env("ECHO_VERSION", "v1")
                .classPath(dir + File.pathSeparator + System.getProperty("java.class.path"))
                .start(UndertowApp.class.getName())) {
      String[] listening = jvm.awaitLineStartingWith("listening", Duration.ofSeconds(30)).split(" ");
      assertThat(listening[2]).isEqualTo("2.2.99.Final");

      HttpClient client = HttpClient.newHttpClient();
      HttpResponse<String> response =
          client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + listening[1] + "/")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(response.body()).isEqualTo("v1");

      // Once the engine is connected, a started server would be written at once.
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (!jvm.agentLog().contains("policies from etcd") && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertThat(jvm.agentLog()).contains("policies from etcd");
      Thread.sleep(1500);
      assertThat(etcd.getPrefix("/skein/endpoints/")).isBlank();
      String skip = "undertow: skipped io.undertow.Undertow: version 2.2.99.Final is outside [2.3, 2.4)";
      assertThat(jvm.agentLog().lines().filter(l -> l.contains(skip)).count()).as(jvm.agentLog()).isEqualTo(1);
    }
  }
}
