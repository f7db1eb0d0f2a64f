package dev.skein.it.grpc;

import dev.skein.it.support.EtcdServer;
import dev.skein.it.support.MeshJvm;
import java.io.File;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** Starts the gRPC apps in JVMs under the agent, each on one Netty flavour's class path. */
final class GrpcMesh {
  private static final Pattern RESULT = Pattern.compile("result ok=(\\d+) failed=(\\d+) bodies=\\{(.*?)\\}.*");

  /** Which gRPC transport a JVM's class path holds. */
  enum Flavour {
    /** {@code grpc-netty-shaded} only. */
    SHADED("/grpc-netty/", "/io/netty/"),
    /** {@code grpc-netty} and Netty, no {@code grpc-netty-shaded}. */
    NETTY("/grpc-netty-shaded/");

    private final String[] excluded;

    Flavour(String... excluded) {
      this.excluded = excluded;
    }

    String classPath() {
      return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
          .filter(entry -> Arrays.stream(excluded).noneMatch(entry.replace(File.separatorChar, '/')::contains))
          .collect(Collectors.joining(File.pathSeparator));
    }
  }

  private GrpcMesh() {}

  /** An {@code orders} server answering {@code version}; returns once it listens. */
  static MeshJvm server(EtcdServer etcd, String version, Flavour flavour, String builderKind) throws Exception {
    MeshJvm server =
        MeshJvm.builder("grpc-orders-" + version)
            .classPath(flavour.classPath())
            .property("skein.service", "orders")
            .property("skein.labels", "version=" + version)
            .property("skein.etcd.endpoints", etcd.endpoint())
            // ServerBuilder.forPort binds the wildcard address: register loopback, not the LAN address.
            .property("skein.advertise.address", "127.0.0.1")
            .env("ECHO_VERSION", version)
            .start("dev.skein.it.grpc.apps.GrpcOrdersServer", builderKind);
    server.awaitLineStartingWith("listening", Duration.ofSeconds(30));
    return server;
  }

  static MeshJvm client(EtcdServer etcd, String name, Flavour flavour) throws Exception {
    MeshJvm client =
        MeshJvm.builder(name)
            .classPath(flavour.classPath())
            .property("skein.service", "frontend")
            .property("skein.etcd.endpoints", etcd.endpoint())
            .start("dev.skein.it.grpc.apps.GrpcClientDriver");
    client.awaitLineStartingWith("ready", Duration.ofSeconds(30));
    return client;
  }

  static void channel(MeshJvm client, String spec) throws Exception {
    client.send("channel " + spec);
    String line = client.awaitLine(l -> l.startsWith("channel ok") || l.startsWith("error"), Duration.ofSeconds(30));
    if (!line.startsWith("channel ok")) {
      throw new AssertionError("channel " + spec + ": " + line + "\n" + client.agentLog());
    }
  }

  /** {@code kind} is unary, server, client or bidi. */
  static Outcome calls(MeshJvm client, String kind, int count, String... headers) throws Exception {
    client.send(kind + " " + count + " " + String.join(" ", headers));
    return Outcome.parse(client.awaitLine(l -> l.startsWith("result") || l.startsWith("error"), Duration.ofSeconds(120)));
  }

  /** Unary calls until both versions answered: both registrations reached the client. */
  static void awaitBothVersions(MeshJvm client) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    Outcome last = null;
    while (System.nanoTime() < deadline) {
      last = calls(client, "unary", 10);
      if (last.count("v1") > 0 && last.count("v2") > 0) {
        return;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("the client never saw both versions: " + last + "\n" + client.agentLog());
  }

  /** A parsed {@code result} line. */
  record Outcome(int ok, int failed, Map<String, Integer> bodies, String line) {
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

    int count(String body) {
      return bodies.getOrDefault(body, 0);
    }
  }
}
