package dev.skein.bootstrap;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts exceptions thrown by agent code at the bridge, per site, and logs the first one of each
 * site. The application's call then proceeds as if the agent were absent.
 */
public final class AgentFaults {
  private static final ConcurrentHashMap<String, LongAdder> COUNTS = new ConcurrentHashMap<>();
  private static final java.util.Set<String> LOGGED = ConcurrentHashMap.newKeySet();

  private AgentFaults() {}

  public static void record(String site, Throwable t) {
    LongAdder count = COUNTS.computeIfAbsent(site, s -> new LongAdder());
    count.increment();
    // Not count.sum() == 1: two threads failing at once both see 2 and nothing is logged.
    if (LOGGED.add(site)) {
      AgentLog.error("agent fault in " + site + " (the request proceeds without the mesh; later faults here are only counted)", t);
    }
  }

  public static long count(String site) {
    LongAdder count = COUNTS.get(site);
    return count == null ? 0 : count.sum();
  }

  /** A copy of the counters, for the admin endpoint and metrics. */
  public static java.util.Map<String, Long> snapshot() {
    java.util.Map<String, Long> copy = new java.util.TreeMap<>();
    COUNTS.forEach((k, v) -> copy.put(k, v.sum()));
    return copy;
  }
}
