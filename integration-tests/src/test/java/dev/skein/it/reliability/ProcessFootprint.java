package dev.skein.it.reliability;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * What a running JVM holds: heap in use after a full GC ({@code jcmd GC.run}, then {@code jstat
 * -gc}), live threads ({@code /proc/<pid>/task}) and open file descriptors ({@code /proc/<pid>/fd}).
 *
 * <p>Threads and descriptors are also split so that a leak stands out from load: {@code
 * clientPoolThreads} are the JDK HttpClient's default executor's workers (a cached pool that
 * grows with a latency spike and idles out after 60 s); {@code connections} are descriptors of
 * established TCP connections (the JDK HttpClient's pool hands out its oldest idle connection
 * first, so every connection opened in a spike stays in use and open while the load lasts). What
 * is left, {@code otherFds}, is files, pipes, selectors, listening sockets and sockets that are
 * not (or no longer) connected, such as one left in CLOSE_WAIT by a peer that died: none of these
 * should grow.
 */
record ProcessFootprint(long heapKb, int threads, int clientPoolThreads, int fds, int connections) {
  private static final Path JDK_BIN = Path.of(System.getProperty("java.home"), "bin");

  static ProcessFootprint of(long pid) throws Exception {
    // Twice: the first full GC may leave objects whose finalization or cleaners free more.
    run("jcmd", Long.toString(pid), "GC.run");
    run("jcmd", Long.toString(pid), "GC.run");
    long heap = heapUsedKb(run("jstat", "-gc", Long.toString(pid)));
    Path proc = Path.of("/proc/" + pid);
    int threads = 0;
    int poolThreads = 0;
    try (var tasks = Files.list(proc.resolve("task"))) {
      for (Path task : tasks.toList()) {
        threads++;
        try {
          // comm holds the first 15 characters of the name: "HttpClient-1-Wo" for "HttpClient-1-Worker-7".
          if (Files.readString(task.resolve("comm")).startsWith("HttpClient-")) {
            poolThreads++;
          }
        } catch (IOException gone) {
          // the thread ended while we listed
        }
      }
    }
    Set<String> established = establishedSocketInodes(proc);
    int fds = 0;
    int connections = 0;
    try (var entries = Files.list(proc.resolve("fd"))) {
      for (Path fd : entries.toList()) {
        fds++;
        try {
          String target = Files.readSymbolicLink(fd).toString();
          if (target.startsWith("socket:[") && established.contains(target.substring(8, target.length() - 1))) {
            connections++;
          }
        } catch (IOException closed) {
          // closed while we listed
        }
      }
    }
    return new ProcessFootprint(heap, threads, poolThreads, fds, connections);
  }

  /** Descriptors other than established connections: the ones a leak would add. */
  int otherFds() {
    return fds - connections;
  }

  /** Threads but the JDK HttpClient's default executor's workers. */
  int ownThreads() {
    return threads - clientPoolThreads;
  }

  /** The inodes of the process's TCP sockets in state ESTABLISHED (01), IPv4 and IPv6. */
  private static Set<String> establishedSocketInodes(Path proc) throws IOException {
    Set<String> inodes = new HashSet<>();
    for (String table : List.of("net/tcp", "net/tcp6")) {
      Path file = proc.resolve(table);
      if (!Files.exists(file)) {
        continue;
      }
      for (String line : Files.readAllLines(file)) {
        String[] f = line.trim().split("\\s+");
        if (f.length > 9 && f[3].equals("01")) {
          inodes.add(f[9]);
        }
      }
    }
    return inodes;
  }

  /** S0U + S1U + EU + OU of {@code jstat -gc}: the heap in use, whatever the collector. */
  static long heapUsedKb(String jstat) {
    List<String> lines = jstat.lines().filter(l -> !l.isBlank()).toList();
    String[] names = lines.get(0).trim().split("\\s+");
    String[] values = lines.get(1).trim().split("\\s+");
    double used = 0;
    for (int i = 0; i < names.length; i++) {
      if (List.of("S0U", "S1U", "EU", "OU").contains(names[i])) {
        used += Double.parseDouble(values[i]);
      }
    }
    return Math.round(used);
  }

  private static String run(String tool, String... args) throws Exception {
    List<String> command = new java.util.ArrayList<>(List.of(JDK_BIN.resolve(tool).toString()));
    command.addAll(List.of(args));
    File out = File.createTempFile("footprint", ".out");
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out).start();
      if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
        p.destroyForcibly();
        throw new IllegalStateException(command + " failed: " + Files.readString(out.toPath()));
      }
      return Files.readString(out.toPath());
    } finally {
      out.delete();
    }
  }
}
