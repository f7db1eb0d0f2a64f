package dev.skein.it.reliability;

import dev.skein.it.support.MeshJvm;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Steady load from a {@code TrafficClient} JVM under the agent, with its per-second
 * {@code stats} lines collected as they arrive (each stamped with the test's clock) so that a
 * test can count failures in a time window and time how long a change took to show.
 */
final class Traffic implements AutoCloseable {
  private static final Pattern STATS = Pattern.compile("stats ok=(\\d+) failed=(\\d+) .*bodies=\\{([^}]*)\\}(?: errors=\\{([^}]*)\\})?");

  /** One second of traffic, as reported at {@code atNanos} ({@link System#nanoTime}). */
  record Second(long atNanos, int ok, int failed, Map<String, Integer> bodies, String errors) {
    boolean onlyBody(String body) {
      return ok > 0 && failed == 0 && bodies.size() == 1 && bodies.containsKey(body);
    }
  }

  final MeshJvm jvm;
  private final List<Second> seconds = new CopyOnWriteArrayList<>();
  private final Thread reader;
  private volatile boolean closed;

  private Traffic(MeshJvm jvm) {
    this.jvm = jvm;
    this.reader = new Thread(this::collect, "traffic-" + jvm.pid());
    reader.setDaemon(true);
    reader.start();
  }

  /** Starts {@code rate} requests per second to {@code url} in a new JVM built by {@code builder}. */
  static Traffic start(MeshJvm.Builder builder, String url, int rate) throws Exception {
    return new Traffic(builder.start("dev.skein.it.apps.TrafficClient", url, Integer.toString(rate)));
  }

  private void collect() {
    int seen = 0;
    while (!closed) {
      List<String> lines = jvm.stdoutLines();
      for (; seen < lines.size(); seen++) {
        Matcher m = STATS.matcher(lines.get(seen));
        if (m.find()) {
          Map<String, Integer> bodies = new TreeMap<>();
          for (String pair : m.group(3).split(",\\s*")) {
            String[] kv = pair.split("=");
            // The client prints every body it ever saw, with 0 for this second: skip those.
            if (kv.length == 2 && Integer.parseInt(kv[1]) > 0) {
              bodies.put(kv[0], Integer.parseInt(kv[1]));
            }
          }
          seconds.add(new Second(System.nanoTime(), Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), bodies,
              m.group(4) == null ? "" : m.group(4)));
        }
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** A mark on the test's clock, for windows. */
  static long now() {
    return System.nanoTime();
  }

  List<Second> since(long fromNanos) {
    return seconds.stream().filter(s -> s.atNanos() > fromNanos).toList();
  }

  int ok(long fromNanos) {
    return since(fromNanos).stream().mapToInt(Second::ok).sum();
  }

  int failed(long fromNanos) {
    return since(fromNanos).stream().mapToInt(Second::failed).sum();
  }

  int body(long fromNanos, String body) {
    return since(fromNanos).stream().mapToInt(s -> s.bodies().getOrDefault(body, 0)).sum();
  }

  /**
   * Waits for a reported second after {@code fromNanos} that matches; returns how long after
   * {@code fromNanos} it was reported. A second covers the second before its report, so the
   * result is an upper bound on when the change took effect.
   */
  Duration awaitSecond(long fromNanos, Predicate<Second> match, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      for (Second s : since(fromNanos)) {
        if (match.test(s)) {
          return Duration.ofNanos(s.atNanos() - fromNanos);
        }
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no matching second within " + timeout + "; last seconds: " + tail(5) + "\nagent log:\n" + jvm.agentLog());
  }

  /** Waits until {@code n} more seconds have been reported. */
  void awaitSeconds(int n) throws InterruptedException {
    int target = seconds.size() + n;
    long deadline = System.nanoTime() + Duration.ofSeconds(n * 3L + 10).toNanos();
    while (seconds.size() < target && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
  }

  /** The seconds since {@code fromNanos} that had failures, with what failed, for assertion messages. */
  String failures(long fromNanos) {
    return since(fromNanos).stream().filter(s -> s.failed() > 0)
        .map(s -> String.format("%+.1f s: failed=%d %s", (s.atNanos() - fromNanos) / 1e9, s.failed(), s.errors()))
        .toList().toString();
  }

  String tail(int n) {
    List<Second> all = List.copyOf(seconds);
    return all.subList(Math.max(0, all.size() - n), all.size()).toString();
  }

  @Override
  public void close() throws Exception {
    closed = true;
    jvm.close();
  }
}
