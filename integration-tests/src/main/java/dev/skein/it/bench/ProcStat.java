package dev.skein.it.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * CPU time and resident memory of other processes, read from {@code /proc}: the benchmark
 * measures the client, the servers and the proxies from outside, the same way for a JVM and an
 * nginx.
 */
final class ProcStat {
  private static final long TICKS_PER_SECOND = clockTicks();

  private ProcStat() {}

  /** User plus system CPU time of one process, in nanoseconds; 0 once it is gone. */
  static long cpuNanos(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      // The command name may contain spaces: the fields we want follow the last ')'.
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // utime, stime
      return ticks * 1_000_000_000L / TICKS_PER_SECOND;
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  static long cpuNanos(List<Long> pids) {
    return pids.stream().mapToLong(ProcStat::cpuNanos).sum();
  }

  /** A {@code /proc/PID/status} figure such as {@code VmRSS} or {@code VmHWM}, in KiB; 0 when absent. */
  static long statusKib(long pid, String field) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith(field + ":")) {
          return Long.parseLong(line.substring(field.length() + 1).replace("kB", "").trim());
        }
      }
    } catch (IOException | RuntimeException e) {
      // gone
    }
    return 0;
  }

  static long statusKib(List<Long> pids, String field) {
    return pids.stream().mapToLong(p -> statusKib(p, field)).sum();
  }

  /** The process and its direct children (an nginx master and its workers). */
  static List<Long> withChildren(long pid) {
    List<Long> pids = new ArrayList<>(List.of(pid));
    try {
      String children = Files.readString(Path.of("/proc", Long.toString(pid), "task", Long.toString(pid), "children")).trim();
      for (String child : children.isEmpty() ? new String[0] : children.split("\\s+")) {
        pids.add(Long.parseLong(child));
      }
    } catch (IOException e) {
      // no children file (gone, or an old kernel): the process alone
    }
    return pids;
  }

  private static long clockTicks() {
    try {
      Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes()).trim();
      p.waitFor();
      return Long.parseLong(out);
    } catch (Exception e) {
      return 100; // Linux's USER_HZ almost everywhere
    }
  }
}
