package dev.skein.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skein.it.support.MeshJvm;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * No etcd at all: policies and static endpoints (ServiceEntry) from {@code skein.config.file},
 * re-read when the file changes; the admin endpoint shows what is in force.
 */
class FileModeIT {
  private static final String SUBSETS_AND_ENDPOINTS =
      """
      apiVersion: skein.dev/v1
      kind: ServiceEntry
      metadata: {name: orders}
      spec:
        host: orders
        endpoints:
          - {address: 127.0.0.1, port: %s, protocol: http, labels: {version: v1}}
          - {address: 127.0.0.1, port: %s, protocol: http, labels: {version: v2}}
      ---
      apiVersion: skein.dev/v1
      kind: DestinationPolicy
      metadata: {name: orders}
      spec:
        host: orders
        subsets:
          - {name: v1, labels: {version: v1}}
          - {name: v2, labels: {version: v2}}
      ---
      apiVersion: skein.dev/v1
      kind: Route
      metadata: {name: orders}
      spec:
        host: orders
        http:
          - route:
              - {destination: {subset: v1}, weight: %d}
              - {destination: {subset: v2}, weight: %d}
      """;

  @Test
  void policiesFromAWatchedFile() throws Exception {
    List<MeshJvm> servers = new ArrayList<>();
    Path file = Files.createTempFile("skein-mesh", ".yaml");
    int adminPort = dev.skein.it.support.FreePorts.next();
    try {
      List<String> ports = new ArrayList<>();
      for (String version : List.of("v1", "v2")) {
        MeshJvm server = MeshJvm.builder("plain-" + version).withoutAgent().env("ECHO_VERSION", version).start("dev.skein.it.apps.EchoServer");
        servers.add(server);
        ports.add(server.awaitLineStartingWith("listening", Duration.ofSeconds(20)).substring(10));
      }
      Files.writeString(file, SUBSETS_AND_ENDPOINTS.formatted(ports.get(0), ports.get(1), 0, 100));
      MeshJvm client =
          MeshJvm.builder("file-client")
              .property("skein.service", "frontend")
              .property("skein.config.file", file.toString())
              .property("skein.admin.port", String.valueOf(adminPort))
              .start("dev.skein.it.apps.ClientDriver");
      servers.add(client);
      client.awaitLineStartingWith("ready", Duration.ofSeconds(30));
      client.send("send 50 http://orders/x sync");
      assertThat(client.awaitLineStartingWith("result", Duration.ofSeconds(30))).startsWith("result ok=50 failed=0 bodies={v2=50}");

      Files.writeString(file, SUBSETS_AND_ENDPOINTS.formatted(ports.get(0), ports.get(1), 100, 0));
      Awaitility.await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(200)).until(() -> {
        client.send("send 10 http://orders/x sync");
        return client.awaitLineStartingWith("result", Duration.ofSeconds(30)).startsWith("result ok=10 failed=0 bodies={v1=10}");
      });

      // A broken file leaves the last good policies in force.
      Files.writeString(file, "kind: Route\nmetadata: {name: orders}\nspec: {host: orders, http: [{route: [{destination: {subset: v9}}]}]}\n");
      Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> client.agentLog().contains("spec.http[0].route[0].destination.subset"));
      client.send("send 20 http://orders/x sync");
      assertThat(client.awaitLineStartingWith("result", Duration.ofSeconds(30))).startsWith("result ok=20 failed=0 bodies={v1=20}");

      assertThat(admin(adminPort, "/healthz")).isEqualTo("ok\n");
      assertThat(admin(adminPort, "/config_dump"))
          .contains("\"origin\" : \"file\"")
          .contains("/skein/policies/default/Route/orders")
          .contains("/skein/policies/default/ServiceEntry/orders");
      assertThat(admin(adminPort, "/clusters")).contains("default/orders").contains("127.0.0.1:" + ports.get(1)).contains("\"v2\"");
    } finally {
      for (MeshJvm jvm : servers) {
        jvm.close();
      }
      Files.deleteIfExists(file);
    }
  }

  private static String admin(int port, String path) throws Exception {
    return HttpClient.newHttpClient()
        .send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(), HttpResponse.BodyHandlers.ofString())
        .body();
  }
}
