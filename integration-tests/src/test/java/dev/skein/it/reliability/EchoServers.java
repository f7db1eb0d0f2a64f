package dev.skein.it.reliability;

import dev.skein.it.support.MeshJvm;
import java.time.Duration;
import java.util.function.Consumer;
import java.util.function.Function;

/** {@code orders} servers (the plain {@code EchoServer} app under the agent) for any etcd topology. */
final class EchoServers {
  private EchoServers() {}

  /** A started, registered server answering {@code body}; {@code port} 0 picks a free one. */
  static Started start(String endpoints, Function<String, String> getPrefix, String version, String body, int port) throws Exception {
    return start(endpoints, getPrefix, version, body, port, b -> {});
  }

  /** As above, with extra options (properties, {@code ECHO_DELAY_MS}) for the server JVM. */
  static Started start(
      String endpoints, Function<String, String> getPrefix, String version, String body, int port, Consumer<MeshJvm.Builder> options)
      throws Exception {
    MeshJvm.Builder builder =
        MeshJvm.builder("orders-" + body)
            .property("skein.service", "orders")
            .property("skein.labels", "version=" + version)
            .property("skein.etcd.endpoints", endpoints)
            .env("ECHO_VERSION", body);
    options.accept(builder);
    MeshJvm server = builder.start("dev.skein.it.apps.EchoServer", Integer.toString(port));
    int bound = Integer.parseInt(server.awaitLineStartingWith("listening", Duration.ofSeconds(30)).substring("listening ".length()));
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!getPrefix.apply("/skein/endpoints/").contains("\"port\":" + bound + ",")) {
      if (System.nanoTime() > deadline) {
        server.close();
        throw new AssertionError("no endpoint registered with port " + bound + "; log:\n" + server.agentLog());
      }
      Thread.sleep(50);
    }
    return new Started(server, bound);
  }

  /** A server JVM and the port it listens on. */
  record Started(MeshJvm jvm, int port) {}
}
