package dev.skein.it.support;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real etcd cluster of {@code size} members (the {@code etcd} binary on PATH) on free loopback
 * ports, one data directory each, and {@code etcdctl} against all members. A member can be
 * killed (SIGKILL) and started again on the same ports and data.
 */
public final class EtcdCluster implements AutoCloseable {
  private static final Pattern STATUS =
      Pattern.compile("\"Endpoint\":\"([^\"]+)\".*?\"member_id\":(\\d+).*?\"leader\":(\\d+)");

  private final Path dir;
  private final int[] clientPorts;
  private final int[] peerPorts;
  private final Process[] members;

  public EtcdCluster(int size) throws IOException {
    this.dir = Files.createTempDirectory("skein-etcd-cluster");
    this.clientPorts = new int[size];
    this.peerPorts = new int[size];
    this.members = new Process[size];
    for (int i = 0; i < size; i++) {
      clientPorts[i] = FreePorts.next();
      peerPorts[i] = FreePorts.next();
    }
  }

  /** Starts every member (they need each other to elect a leader) and waits until the cluster is healthy. */
  public static EtcdCluster started(int size) throws Exception {
    EtcdCluster cluster = new EtcdCluster(size);
    for (int i = 0; i < size; i++) {
      cluster.launch(i);
    }
    cluster.awaitHealthy(cluster.endpoints());
    return cluster;
  }

  public int size() {
    return members.length;
  }

  public String endpoint(int member) {
    return "http://127.0.0.1:" + clientPorts[member];
  }

  /** Every member's client URL, comma separated: the value of {@code skein.etcd.endpoints}. */
  public String endpoints() {
    List<String> all = new ArrayList<>();
    for (int i = 0; i < members.length; i++) {
      all.add(endpoint(i));
    }
    return String.join(",", all);
  }

  private String name(int member) {
    return "m" + member;
  }

  private void launch(int member) throws IOException {
    StringBuilder initial = new StringBuilder();
    for (int i = 0; i < members.length; i++) {
      initial.append(i == 0 ? "" : ",").append(name(i)).append("=http://127.0.0.1:").append(peerPorts[i]);
    }
    String peer = "http://127.0.0.1:" + peerPorts[member];
    ProcessBuilder pb =
        new ProcessBuilder(
            "etcd", "--name", name(member), "--data-dir", dir.resolve(name(member)).toString(),
            "--listen-client-urls", endpoint(member), "--advertise-client-urls", endpoint(member),
            "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
            "--initial-cluster", initial.toString(), "--initial-cluster-token", dir.getFileName().toString(),
            "--initial-cluster-state", "new", "--log-level", "warn");
    pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve(name(member) + ".log").toFile()));
    members[member] = pb.start();
  }

  /** Starts a member that was killed, on its ports and data, and waits until it is healthy. */
  public synchronized void start(int member) throws Exception {
    launch(member);
    awaitHealthy(endpoint(member));
  }

  private void awaitHealthy(String endpoints) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      if (ctl(endpoints, Duration.ofSeconds(3), "endpoint", "health").exitCode() == 0) {
        return;
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("etcd cluster did not become healthy: " + logs());
  }

  /** SIGKILL one member: no goodbye to its peers or clients. */
  public synchronized void kill(int member) throws InterruptedException {
    Process p = members[member];
    if (p != null) {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      members[member] = null;
    }
  }

  public boolean isRunning(int member) {
    return members[member] != null && members[member].isAlive();
  }

  /** The index of the current leader among the running members ({@code etcdctl endpoint status}), or -1. */
  public int leader() {
    List<String> running = new ArrayList<>();
    for (int i = 0; i < members.length; i++) {
      if (isRunning(i)) {
        running.add(endpoint(i));
      }
    }
    EtcdServer.Result r = ctl(String.join(",", running), Duration.ofSeconds(5), "endpoint", "status", "-w", "json");
    for (String entry : r.output().split("\\{\"Endpoint\"")) {
      Matcher m = STATUS.matcher("{\"Endpoint\"" + entry);
      if (m.find() && m.group(2).equals(m.group(3))) {
        for (int i = 0; i < members.length; i++) {
          if (endpoint(i).equals(m.group(1))) {
            return i;
          }
        }
      }
    }
    return -1;
  }

  /** {@code etcdctl put KEY VALUE} against every member; fails the test if etcdctl fails. */
  public void put(String key, String value) {
    EtcdServer.Result r = ctl(endpoints(), Duration.ofSeconds(10), "put", key, value);
    if (r.exitCode() != 0) {
      throw new IllegalStateException("etcdctl put " + key + " failed: " + r.output());
    }
  }

  public String getPrefix(String prefix) {
    return ctl(endpoints(), Duration.ofSeconds(10), "get", "--prefix", prefix).output();
  }

  public EtcdServer.Result ctl(String endpoints, Duration timeout, String... args) {
    List<String> command = new ArrayList<>(List.of("etcdctl", "--endpoints=" + endpoints, "--dial-timeout=2s"));
    command.addAll(List.of(args));
    try {
      File out = File.createTempFile("etcdctl", ".out");
      try {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out);
        pb.environment().put("ETCDCTL_API", "3");
        Process p = pb.start();
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
          p.destroyForcibly();
          return new EtcdServer.Result(-1, "timed out");
        }
        return new EtcdServer.Result(p.exitValue(), Files.readString(out.toPath(), StandardCharsets.UTF_8));
      } finally {
        out.delete();
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot run etcdctl (is the etcd-client package installed?)", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new EtcdServer.Result(-1, "interrupted");
    }
  }

  private String logs() throws IOException {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < members.length; i++) {
      Path log = dir.resolve(name(i) + ".log");
      if (Files.exists(log)) {
        sb.append("\n--- ").append(name(i)).append(":\n").append(Files.readString(log));
      }
    }
    return sb.toString();
  }

  @Override
  public void close() throws Exception {
    for (int i = 0; i < members.length; i++) {
      Process p = members[i];
      if (p != null) {
        p.destroy();
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
          p.destroyForcibly().waitFor();
        }
      }
    }
    Directories.delete(dir);
  }
}
