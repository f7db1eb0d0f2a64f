package dev.skein.it.support;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real etcd server (the {@code etcd} binary on PATH) on free loopback ports with a temporary
 * data directory, and {@code etcdctl} to write to it the way operators do. It can be stopped and
 * started again on the same ports and data.
 */
public final class EtcdServer implements AutoCloseable {
  private final Path dataDir;
  private final int clientPort;
  private final int peerPort;
  private final Path log;
  private Process process;
  // For putOverGateway; created on first use.
  private HttpClient gateway;

  public EtcdServer() throws IOException {
    this.dataDir = Files.createTempDirectory("skein-etcd");
    this.clientPort = FreePorts.next();
    this.peerPort = FreePorts.next();
    this.log = dataDir.resolveSibling(dataDir.getFileName() + ".log");
  }

  public static EtcdServer started() throws Exception {
    EtcdServer etcd = new EtcdServer();
    etcd.start();
    return etcd;
  }

  public String endpoint() {
    return "http://127.0.0.1:" + clientPort;
  }

  public synchronized void start() throws Exception {
    String peer = "http://127.0.0.1:" + peerPort;
    ProcessBuilder pb =
        new ProcessBuilder(
            "etcd", "--name", "it", "--data-dir", dataDir.resolve("data").toString(),
            "--listen-client-urls", endpoint(), "--advertise-client-urls", endpoint(),
            "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
            "--initial-cluster", "it=" + peer, "--log-level", "warn");
    pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    process = pb.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("etcd exited: " + Files.readString(log));
      }
      if (ctl(Duration.ofSeconds(2), "endpoint", "health").exitCode() == 0) {
        return;
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("etcd did not become healthy: " + Files.readString(log));
  }

  public synchronized void stop() throws InterruptedException {
    if (process != null) {
      process.destroy();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
      process = null;
    }
  }

  /** {@code etcdctl put KEY VALUE}; fails the test if etcdctl fails. */
  public void put(String key, String value) {
    Result r = ctl(Duration.ofSeconds(10), "put", key, value);
    if (r.exitCode() != 0) {
      throw new IllegalStateException("etcdctl put " + key + " failed: " + r.output());
    }
  }

  /**
   * Puts over etcd's JSON gateway from this JVM. For many puts in a row: an etcdctl process
   * each costs tens of milliseconds of CPU, which on a loaded two-core host starves the JVMs
   * under test.
   */
  public void putOverGateway(String key, byte[] value) throws IOException, InterruptedException {
    HttpClient http;
    synchronized (this) {
      if (gateway == null) {
        gateway = HttpClient.newHttpClient();
      }
      http = gateway;
    }
    Base64.Encoder b64 = Base64.getEncoder();
    String body = "{\"key\":\"" + b64.encodeToString(key.getBytes(StandardCharsets.UTF_8)) + "\",\"value\":\""
        + b64.encodeToString(value) + "\"}";
    HttpResponse<String> r =
        http.send(HttpRequest.newBuilder(URI.create(endpoint() + "/v3/kv/put")).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
            HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IllegalStateException("etcd gateway put " + key + " failed: HTTP " + r.statusCode() + " " + r.body());
    }
  }

  public void delete(String key) {
    ctl(Duration.ofSeconds(10), "del", key);
  }

  /** {@code etcdctl get --prefix KEY} as text (key and value lines). */
  public String getPrefix(String prefix) {
    return ctl(Duration.ofSeconds(10), "get", "--prefix", prefix).output();
  }

  /** The output and exit code of one etcdctl command. */
  public record Result(int exitCode, String output) {}

  public Result ctl(Duration timeout, String... args) {
    List<String> command = new ArrayList<>(List.of("etcdctl", "--endpoints=" + endpoint(), "--dial-timeout=2s"));
    command.addAll(List.of(args));
    try {
      File out = File.createTempFile("etcdctl", ".out");
      try {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out);
        pb.environment().put("ETCDCTL_API", "3");
        Process p = pb.start();
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
          p.destroyForcibly();
          return new Result(-1, "timed out");
        }
        return new Result(p.exitValue(), Files.readString(out.toPath(), StandardCharsets.UTF_8));
      } finally {
        out.delete();
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot run etcdctl (is the etcd-client package installed?)", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result(-1, "interrupted");
    }
  }

  @Override
  public void close() throws Exception {
    stop();
    Directories.delete(dataDir);
    Files.deleteIfExists(log);
  }
}
