package dev.skein.it.bench;

import dev.skein.it.support.MeshJvm;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One way to run the same client and server: without a mesh, under an agent, or behind
 * proxies. A scenario starts its servers (and proxies) once, then hands out JVM builders for the
 * client apps the harness runs against {@link #url()} round after round.
 */
abstract class Scenario implements AutoCloseable {
  private final String id;
  private final String label;
  private final String notes;
  /**
   * How long a server or client JVM may take to say it is up: every scenario's JVMs start side by
   * side on shared cores, and under the OpenTelemetry agent on two busy cores (load 16) a server
   * took more than a minute.
   */
  static final Duration START_TIMEOUT = Duration.ofSeconds(150);

  protected final List<MeshJvm> servers = new ArrayList<>();
  /** The gRPC pair's servers ({@link GrpcEcho}), started by {@link #start()} beside the HTTP ones. */
  protected final List<MeshJvm> grpcServers = new ArrayList<>();

  Scenario(String id, String label, String notes) {
    this.id = id;
    this.label = label;
    this.notes = notes;
  }

  /** Short name used in progress lines and the chart. */
  String id() {
    return id;
  }

  /** What the report calls it. */
  String label() {
    return label;
  }

  /** What is (and is not) in force, for the report's notes. */
  String notes() {
    return notes;
  }

  /** Why this scenario cannot run on this machine, or null when it can. */
  String skipReason() {
    return null;
  }

  /** Starts the servers (and proxies). */
  abstract void start() throws Exception;

  /** A JVM configured as this scenario's client application (agent, properties, environment). */
  abstract MeshJvm.Builder clientJvm(String name);

  /**
   * True when the scenario's agent keeps a cache on disk that makes a restart faster (Skein's
   * transformation cache in {@code skein.cache.dir}): then time to first response is measured
   * on a first start, with an empty cache, and on a restart.
   */
  boolean hasAgentCache() {
    return false;
  }

  /** What the client calls. */
  abstract String url();

  /** What the gRPC client's channel targets ({@code host:port} or a mesh service name), or null without a gRPC pair. */
  String grpcTarget() {
    return null;
  }

  /** A JVM configured as this scenario's gRPC client application; the same as the HTTP client's by default. */
  MeshJvm.Builder grpcClientJvm(String name) {
    return clientJvm(name);
  }

  /** The gRPC servers' PIDs. */
  List<Long> grpcServerPids() {
    return grpcServers.stream().map(MeshJvm::pid).toList();
  }

  /** The application servers' PIDs. */
  List<Long> serverPids() {
    return servers.stream().map(MeshJvm::pid).toList();
  }

  /** The proxies' PIDs (masters and workers), empty when there are none. */
  List<Long> proxyPids() {
    return List.of();
  }

  /**
   * Milliseconds from an {@code etcdctl put} to the policy being applied in the client's agent,
   * or null when the scenario has no policy to change.
   */
  Double policyApplyMillis(MeshJvm client) throws Exception {
    return null;
  }

  /** Whether the servers are still running, for error messages. */
  String processState() {
    StringBuilder state = new StringBuilder();
    for (MeshJvm server : allServers()) {
      state.append(state.length() == 0 ? "" : ", ").append("server pid ").append(server.pid())
          .append(server.isAlive() ? " running" : " exited with " + server.process().exitValue());
    }
    return state.length() == 0 ? "no server started" : state.toString();
  }

  private List<MeshJvm> allServers() {
    List<MeshJvm> all = new ArrayList<>(servers);
    all.addAll(grpcServers);
    return all;
  }

  /**
   * Starts one {@link GrpcEcho} server JVM without waiting for it ({@link #listeningPort}): a
   * scenario starts its servers side by side, as the harness starts the scenarios.
   */
  protected MeshJvm launchGrpcServer(MeshJvm.Builder builder) throws Exception {
    MeshJvm server = builder.start(GrpcEcho.class.getName());
    grpcServers.add(server);
    return server;
  }

  /** Starts one EchoServer JVM without waiting for it ({@link #listeningPort}). */
  protected MeshJvm launchServer(MeshJvm.Builder builder) throws Exception {
    MeshJvm server = builder.start("dev.skein.it.apps.EchoServer");
    servers.add(server);
    return server;
  }

  /** Waits until a server started by {@link #launchServer} or {@link #launchGrpcServer} listens; returns its port. */
  protected static int listeningPort(MeshJvm server) throws Exception {
    String line = server.awaitLineStartingWith("listening", START_TIMEOUT);
    return Integer.parseInt(line.substring("listening ".length()).trim());
  }

  @Override
  public void close() throws Exception {
    // Every server told to stop first, then each waited for: their shutdown hooks run side by side.
    for (MeshJvm server : allServers()) {
      server.process().destroy();
    }
    for (MeshJvm server : allServers()) {
      server.close();
    }
  }
}
