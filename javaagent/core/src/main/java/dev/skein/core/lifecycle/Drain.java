package dev.skein.core.lifecycle;

import dev.skein.bootstrap.AgentLog;
import dev.skein.bootstrap.Settings;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Graceful shutdown of a server instance: once its registration is gone, the JVM keeps serving
 * until clients have moved away — no inbound request in progress and none started for a quiet
 * second — or until the drain period ({@code skein.drain.seconds}) ends.
 *
 * <p>The quiet second matters as much as the in-flight count: clients learn of the removed
 * registration through their etcd watch a few milliseconds to a few hundred milliseconds later,
 * and a request they send meanwhile must still find a listening server.
 */
public final class Drain {
  static final Duration QUIET = Duration.ofSeconds(1);
  static final Duration DEFAULT_PERIOD = Duration.ofSeconds(5);

  private final Duration period;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicBoolean started = new AtomicBoolean();
  private volatile long lastRequestStart = System.nanoTime();
  private volatile long drainStart;

  public Drain(Duration period) {
    this.period = period;
  }

  /** {@code skein.drain.seconds} (default 5; 0 turns draining off); a bad value warns and keeps the default. */
  public static Drain fromSettings() {
    String text = Settings.get("skein.drain.seconds");
    if (text == null) {
      return new Drain(DEFAULT_PERIOD);
    }
    try {
      long seconds = Long.parseLong(text.trim());
      if (seconds < 0) {
        throw new NumberFormatException("negative");
      }
      return new Drain(Duration.ofSeconds(seconds));
    } catch (NumberFormatException e) {
      AgentLog.warn("skein.drain.seconds: expected a whole number of seconds >= 0, got \"" + text + "\"; using "
          + DEFAULT_PERIOD.toSeconds());
      return new Drain(DEFAULT_PERIOD);
    }
  }

  /** An inbound request begins; {@code observed} is the telemetry handle (may be null). */
  public Inbound begin(Object observed) {
    inFlight.incrementAndGet();
    lastRequestStart = System.nanoTime();
    return new Inbound(observed);
  }

  /** Ends an inbound request once (gRPC may report the end twice); returns its telemetry handle. */
  public Object end(Object call) {
    if (!(call instanceof Inbound inbound)) {
      return call;
    }
    if (Inbound.ENDED.compareAndSet(inbound, 0, 1)) {
      inFlight.decrementAndGet();
    }
    return inbound.observed;
  }

  /** The telemetry handle inside a handle from {@link #begin}. */
  public static Object observed(Object call) {
    return call instanceof Inbound inbound ? inbound.observed : call;
  }

  public int inFlight() {
    return inFlight.get();
  }

  /**
   * Blocks until drained (see the class comment) or the period ends, counted from the first
   * call. Call right after removing the registration; several threads (the agent's shutdown
   * hook, an application hook stopping its server) may wait together.
   */
  public void await() {
    if (period.isZero()) {
      return;
    }
    if (started.compareAndSet(false, true)) {
      drainStart = System.nanoTime();
      AgentLog.info("draining: registration removed, serving " + inFlight.get() + " in-flight requests and whatever"
          + " arrives until clients move away, at most " + period.toSeconds() + " s");
    }
    long begin = drainStart;
    long deadline = begin + period.toNanos();
    long quiet = Math.min(QUIET.toNanos(), period.toNanos());
    while (true) {
      long now = System.nanoTime();
      if (now - deadline >= 0) {
        AgentLog.info("drain period of " + period.toSeconds() + " s over with " + inFlight.get() + " requests in flight");
        return;
      }
      if (inFlight.get() == 0 && now - Math.max(begin, lastRequestStart) >= quiet) {
        AgentLog.info("drained in " + (now - begin) / 1_000_000 + " ms");
        return;
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** Whether the JVM is running its shutdown hooks (then a server stop is part of the exit). */
  public static boolean jvmExiting() {
    try {
      Thread probe = new Thread(() -> {});
      Runtime.getRuntime().addShutdownHook(probe);
      Runtime.getRuntime().removeShutdownHook(probe);
      return false;
    } catch (IllegalStateException e) {
      return true;
    }
  }

  /** One inbound request: counted until it ends, carrying its telemetry handle. */
  static final class Inbound {
    // A field updater rather than an AtomicBoolean: one object less per request.
    static final java.util.concurrent.atomic.AtomicIntegerFieldUpdater<Inbound> ENDED =
        java.util.concurrent.atomic.AtomicIntegerFieldUpdater.newUpdater(Inbound.class, "ended");

    final Object observed;
    volatile int ended;

    Inbound(Object observed) {
      this.observed = observed;
    }
  }
}
