package dev.skein.core.lifecycle;

import dev.skein.bootstrap.AgentLog;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * When each step of the agent's start was done, in milliseconds since the agent's premain
 * started, so that a slow first request can be explained from the log: one INFO line when the
 * first request in or out reaches the agent, once it is routed (it may have waited for the
 * first snapshot): {@code start-up (ms since premain): premain 190, snapshot 610, ...}. Steps
 * done later are logged at debug; their INFO lines of their own (telemetry ready, policies from
 * etcd, workload certificate) carry the wall clock. The JVM's own start before premain is not
 * counted: reading the JVM's uptime would load java.management on the first request's path.
 */
public final class StartupPhases {
  public static final String PREMAIN = "premain";
  public static final String SNAPSHOT = "snapshot";
  public static final String INSTRUMENTATION = "instrumentation";
  public static final String ETCD = "etcd watch";
  public static final String TELEMETRY = "telemetry";
  public static final String CERTIFICATE = "certificate";
  public static final String FIRST_REQUEST = "first request";

  private final long premainNanos;
  private final Map<String, Long> nanos = new LinkedHashMap<>();
  private volatile boolean firstRequestDone;

  public StartupPhases(long premainNanos) {
    this.premainNanos = premainNanos;
  }

  /** Records {@code phase} as done now (only its first time counts). */
  public void mark(String phase) {
    mark(phase, System.nanoTime());
  }

  /** Records {@code phase} as done at {@code now} ({@link System#nanoTime()}; only its first time counts). */
  public void mark(String phase, long now) {
    boolean late;
    synchronized (this) {
      if (nanos.putIfAbsent(phase, now) != null) {
        return;
      }
      late = firstRequestDone;
    }
    if (late && AgentLog.enabled(AgentLog.Level.DEBUG)) {
      AgentLog.debug("start-up: " + phase + " at " + (now - premainNanos) / 1_000_000 + " ms since premain");
    }
  }

  /** Whether {@code phase} was done. */
  public synchronized boolean done(String phase) {
    return nanos.containsKey(phase);
  }

  /**
   * A request in or out was routed: the first time, records it and writes the summary line (on
   * the caller's thread: the application may exit right after its request). One volatile read
   * after that.
   */
  public void firstRequest() {
    if (firstRequestDone) {
      return;
    }
    synchronized (this) {
      if (firstRequestDone) {
        return;
      }
      nanos.putIfAbsent(FIRST_REQUEST, System.nanoTime());
      firstRequestDone = true;
    }
    AgentLog.info("start-up (ms since premain): " + summary());
  }

  /** {@code premain 190, snapshot 610, ...} in the order the steps were done. */
  public String summary() {
    List<Map.Entry<String, Long>> done;
    synchronized (this) {
      done = new ArrayList<>(nanos.entrySet());
    }
    done.sort(Map.Entry.comparingByValue());
    StringBuilder line = new StringBuilder();
    for (Map.Entry<String, Long> e : done) {
      line.append(line.length() == 0 ? "" : ", ").append(e.getKey()).append(' ').append((e.getValue() - premainNanos) / 1_000_000);
    }
    return line.toString();
  }
}
