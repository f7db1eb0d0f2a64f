package dev.skein.it.support;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The common topology: {@code orders} v1 and v2 (JDK HTTP servers under the agent) and one
 * client JVM (java.net.http under the agent), all against one real etcd.
 */
public final class TwoVersionMesh implements AutoCloseable {
  private static final Pattern RESULT = Pattern.compile("result ok=(\\d+) failed=(\\d+) bodies=\\{(.*?)\\}.*");

  public final EtcdServer etcd;
  public final List<MeshJvm> servers = new ArrayList<>();
  public MeshJvm client;

  public TwoVersionMesh(EtcdServer etcd) {
    this.etcd = etcd;
  }

  /**
   * A JVM of one {@code orders} instance under the agent: labelled {@code version=...}, and told
   * to answer with its version (the test apps read {@code ECHO_VERSION}).
   */
  public static MeshJvm.Builder ordersInstance(EtcdServer etcd, String version) {
    return MeshJvm.builder("orders-" + version)
        .property("skein.service", "orders")
        .property("skein.labels", "version=" + version)
        .property("skein.etcd.endpoints", etcd.endpoint())
        .env("ECHO_VERSION", version);
  }

  public MeshJvm startServer(String version) throws Exception {
    return startServer(ordersInstance(etcd, version));
  }

  /** An {@code orders} instance from a builder of {@link #ordersInstance} with settings of its own. */
  public MeshJvm startServer(MeshJvm.Builder instance) throws Exception {
    MeshJvm server = instance.start("dev.skein.it.apps.EchoServer");
    String port = server.awaitLineStartingWith("listening", Duration.ofSeconds(30)).substring("listening ".length());
    servers.add(server);
    awaitRegistration(port);
    return server;
  }

  /** Waits until an endpoint with this port is registered in etcd. */
  public void awaitRegistration(String port) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (System.nanoTime() < deadline) {
      if (etcd.getPrefix("/skein/endpoints/").contains("\"port\":" + port + ",")) {
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no endpoint registered with port " + port);
  }

  public MeshJvm startClient(MeshJvm.Builder builder) throws Exception {
    client = builder.property("skein.service", "frontend").property("skein.etcd.endpoints", etcd.endpoint()).start("dev.skein.it.apps.ClientDriver");
    client.awaitLineStartingWith("ready", Duration.ofSeconds(30));
    return client;
  }

  /** Sends {@code count} requests from the client JVM and returns the outcome. */
  public Outcome send(int count, String url, String... headers) throws Exception {
    client.send("send " + count + " " + url + " sync " + String.join(" ", headers));
    return Outcome.parse(client.awaitLineStartingWith("result", Duration.ofSeconds(120)));
  }

  /** The same, with {@code sendAsync}. */
  public Outcome sendAsync(int count, String url) throws Exception {
    client.send("send " + count + " " + url + " async");
    return Outcome.parse(client.awaitLineStartingWith("result", Duration.ofSeconds(120)));
  }

  /** Sends single requests until one comes back from each version: both registrations are visible. */
  public void awaitBothVersions() throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (System.nanoTime() < deadline) {
      Outcome o = send(20, "http://orders/api");
      if (o.count("v1") > 0 && o.count("v2") > 0) {
        return;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("the client never saw both versions; client log:\n" + client.agentLog());
  }

  @Override
  public void close() throws Exception {
    if (client != null) {
      client.close();
    }
    for (MeshJvm s : servers) {
      s.close();
    }
  }

  /** Parsed {@code result} line. */
  public record Outcome(int ok, int failed, Map<String, Integer> bodies, String line) {
    static Outcome parse(String line) {
      Matcher m = RESULT.matcher(line);
      if (!m.matches()) {
        throw new AssertionError("unexpected client output: " + line);
      }
      Map<String, Integer> bodies = new TreeMap<>();
      for (String pair : m.group(3).split(",\\s*")) {
        if (!pair.isBlank()) {
          String[] kv = pair.split("=");
          bodies.put(kv[0], Integer.parseInt(kv[1]));
        }
      }
      return new Outcome(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), bodies, line);
    }

    public int count(String body) {
      return bodies.getOrDefault(body, 0);
    }
  }
}
