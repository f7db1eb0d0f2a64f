package dev.skein.it.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One nginx run as a sidecar: its own prefix directory and configuration, in the foreground
 * ({@code nginx -p DIR -c nginx.conf -e error.log -g 'daemon off;'}), one worker, loopback only.
 */
final class NginxProxy implements AutoCloseable {
  private final Path dir;
  private final int port;
  private Process process;

  private NginxProxy(Path dir, int port) {
    this.dir = dir;
    this.port = port;
  }

  /** The nginx binary (on PATH or in /usr/sbin, which a non-root PATH often lacks), or null. */
  static Path binary() {
    String path = System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/usr/local/sbin";
    for (String dir : path.split(":")) {
      Path candidate = Path.of(dir.isEmpty() ? "." : dir, "nginx");
      if (Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    return null;
  }

  /**
   * Starts nginx with the given {@code http {}} body (server and upstream blocks) and waits until
   * it accepts connections on {@code port}.
   */
  static NginxProxy start(Path dir, int port, String httpBody) throws IOException, InterruptedException {
    Files.createDirectories(dir.resolve("tmp"));
    String user = "root".equals(System.getProperty("user.name")) ? "user root;\n" : "";
    String conf =
        user
            + "worker_processes 1;\n"
            + "pid " + dir.resolve("nginx.pid") + ";\n"
            + "error_log " + dir.resolve("error.log") + " warn;\n"
            + "events { worker_connections 1024; }\n"
            + "http {\n"
            + "  access_log off;\n"
            + "  keepalive_requests 1000000;\n"
            + "  client_body_temp_path " + dir.resolve("tmp/body") + ";\n"
            + "  proxy_temp_path " + dir.resolve("tmp/proxy") + ";\n"
            + "  fastcgi_temp_path " + dir.resolve("tmp/fastcgi") + ";\n"
            + "  uwsgi_temp_path " + dir.resolve("tmp/uwsgi") + ";\n"
            + "  scgi_temp_path " + dir.resolve("tmp/scgi") + ";\n"
            + httpBody
            + "}\n";
    Files.writeString(dir.resolve("nginx.conf"), conf);
    NginxProxy proxy = new NginxProxy(dir, port);
    proxy.process =
        new ProcessBuilder(
                binary().toString(), "-p", dir.toString(), "-c", dir.resolve("nginx.conf").toString(),
                "-e", dir.resolve("error.log").toString(), "-g", "daemon off;")
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("stdout.log").toFile())
            .start();
    proxy.awaitListening();
    return proxy;
  }

  private void awaitListening() throws IOException, InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("nginx exited: " + log());
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return;
      } catch (IOException e) {
        Thread.sleep(20);
      }
    }
    throw new IllegalStateException("nginx did not listen on " + port + ": " + log());
  }

  private String log() throws IOException {
    Path error = dir.resolve("error.log");
    return Files.readString(dir.resolve("stdout.log")) + (Files.exists(error) ? Files.readString(error) : "");
  }

  /** The master and its worker. */
  List<Long> pids() {
    return ProcStat.withChildren(process.pid());
  }

  @Override
  public void close() throws InterruptedException {
    if (process != null) {
      process.destroy(); // SIGTERM: nginx's fast shutdown, workers included
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }
}
