package dev.skein.core.resilience;

import dev.skein.api.ConnectionPool;
import dev.skein.api.OutlierDetection;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The resilience state of one destination (a service's subset, or all its endpoints, for one
 * protocol): retry budget, bulkhead and the outlier-detection settings. Kept across snapshots
 * while the DestinationPolicy's settings stay the same; replaced when they change.
 */
public final class DestinationGuard {
  private final RetryBudget budget = new RetryBudget();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final int maxConcurrent;
  private final OutlierDetection outlier;
  private final Object settings;

  /**
   * @param pool {@code null}: no bulkhead
   * @param outlier {@code null}: no outlier detection
   */
  public DestinationGuard(ConnectionPool pool, OutlierDetection outlier, Object settings) {
    this.maxConcurrent = pool == null || pool.maxConcurrentRequests() <= 0 ? Integer.MAX_VALUE : pool.maxConcurrentRequests();
    this.outlier = outlier;
    this.settings = settings;
  }

  /** The settings this guard was built from, to tell whether a new snapshot changed them. */
  public Object settings() {
    return settings;
  }

  public RetryBudget budget() {
    return budget;
  }

  /** Takes a bulkhead slot, or answers {@code false} when {@code maxConcurrentRequests} are in flight. */
  public boolean tryEnter() {
    if (maxConcurrent == Integer.MAX_VALUE) {
      inFlight.incrementAndGet();
      return true;
    }
    int n;
    do {
      n = inFlight.get();
      if (n >= maxConcurrent) {
        return false;
      }
    } while (!inFlight.compareAndSet(n, n + 1));
    return true;
  }

  public void exit() {
    inFlight.decrementAndGet();
  }

  /**
   * Records one outcome of an endpoint of this destination: {@code consecutive5xxErrors} errors
   * in a row eject it, unless {@code maxEjectionPercent} of the destination is ejected already.
   *
   * @param ejectedNow how many endpoints of the destination are ejected at this moment
   * @param size how many endpoints the destination has
   * @return whether this outcome ejected the endpoint
   */
  public boolean record(EndpointHealth health, boolean error, long nowNanos, int ejectedNow, int size) {
    if (!error) {
      health.consecutiveErrors.set(0);
      return false;
    }
    if (outlier == null || outlier.consecutive5xxErrors() <= 0) {
      return false;
    }
    if (health.consecutiveErrors.incrementAndGet() < outlier.consecutive5xxErrors() || health.isEjected(nowNanos)) {
      return false;
    }
    // Envoy's rule: eject while the ejected share is below the maximum.
    if (ejectedNow * 100 >= outlier.maxEjectionPercent() * size) {
      return false;
    }
    health.eject(nowNanos, outlier.baseEjectionTime().toNanos());
    return true;
  }
}
