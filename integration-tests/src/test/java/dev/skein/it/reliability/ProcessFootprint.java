package dev.skein.it.reliability;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What a running JVM holds: heap in use after a full GC ({@code jcmd GC.run}, then {@code jstat
 * -gc}), live threads ({@code /proc/<pid>/task}) and open file descriptors ({@code /proc/<pid>/fd}).
 */
record ProcessFootprint(long heapKb, int threads, int fds) {
  private static final Path JDK_BIN = Path.of(System.getProperty("java.home"), "bin");

  static ProcessFootprint of(long pid) throws Exception {
    // Twice: the first full GC may leave objects whose finalization or cleaners free more.
    run("jcmd", Long.toString(pid), "GC.run");
    run("jcmd", Long.toString(pid), "GC.run");
    return new ProcessFootprint(heapUsedKb(run("jstat", "-gc", Long.toString(pid))), count("/proc/" + pid + "/task"),
        count("/proc/" + pid + "/fd"));
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

  private static int count(String dir) throws IOException {
    try (var entries = Files.list(Path.of(dir))) {
      return (int) entries.count();
    }
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
