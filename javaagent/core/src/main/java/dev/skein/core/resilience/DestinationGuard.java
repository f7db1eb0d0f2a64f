package dev.skein.core.resilience;

import dev.skein.api.CircuitBreakerSettings;
import dev.skein.api.ConnectionPool;
import dev.skein.api.OutlierDetection;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The resilience state of one destination (a service's subset, or all its endpoints, for one
 * protocol): retry budget, bulkhead, circuit breaker and the outlier-detection settings. Kept across snapshots
 * while the DestinationPolicy's settings stay the same; replaced when they change.
 */
public final class DestinationGuard {
  private final RetryBudget budget = new RetryBudget();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final int maxConcurrent;
  private final int perEndpoint;
  private final int maxPending;
  // Tries of this destination waiting for a slot on one of its endpoints.
  private final AtomicInteger pending = new AtomicInteger();
  private final OutlierDetection outlier;
  private final Object settings;
  private final CircuitBreaker breaker;

  /** The outcome the breaker records for a failed call: statuses, not exceptions, say it failed. */
  private static final Exception FAILED = new Exception("5xx or connection failure", null, false, false) {};

  /**
   * @param pool {@code null}: no bulkhead
   * @param outlier {@code null}: no outlier detection
   */
  public DestinationGuard(ConnectionPool pool, OutlierDetection outlier, Object settings) {
    this(pool, outlier, null, null, settings);
  }

  /**
   * @param name the destination, for the breaker's name
   * @param breaker {@code null}: no circuit breaker
   */
  public DestinationGuard(
      ConnectionPool pool, OutlierDetection outlier, CircuitBreakerSettings breaker, String name, Object settings) {
    this.breaker = Breakers.of(name == null ? "destination" : name, breaker);
    this.maxConcurrent = pool == null || pool.maxConcurrentRequests() <= 0 ? Integer.MAX_VALUE : pool.maxConcurrentRequests();
    this.perEndpoint = pool == null || pool.maxRequestsPerEndpoint() <= 0 ? Integer.MAX_VALUE : pool.maxRequestsPerEndpoint();
    this.maxPending = pool == null || pool.maxPendingRequests() <= 0 ? Integer.MAX_VALUE : pool.maxPendingRequests();
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

  // === per-endpoint slots ===

  /** Whether {@code maxRequestsPerEndpoint} is set: without it no try takes a slot. */
  public boolean limitsEndpoints() {
    return perEndpoint != Integer.MAX_VALUE;
  }

  /** {@code maxRequestsPerEndpoint}, or {@link Integer#MAX_VALUE} when not set. */
  public int perEndpointLimit() {
    return perEndpoint;
  }

  /**
   * A slot on one endpoint for one try, or a place in the queue for it.
   *
   * @param waiter {@code null}: do not queue
   * @return {@link EndpointSlots#TAKEN}, {@link EndpointSlots#OPENING} (taken, under slow start),
   *     {@link EndpointSlots#QUEUED} or {@link EndpointSlots#OVERFLOW} (no waiter: no slot free,
   *     or past {@code maxPendingRequests})
   */
  public int acquire(EndpointSlots slots, dev.skein.bootstrap.SlotWaiter waiter) {
    return acquire(slots, waiter, false);
  }

  /** As {@link #acquire(EndpointSlots, dev.skein.bootstrap.SlotWaiter)}; {@code slowStart}: see {@link EndpointSlots}. */
  public int acquire(EndpointSlots slots, dev.skein.bootstrap.SlotWaiter waiter, boolean slowStart) {
    if (waiter == null) {
      return slots.tryTake(perEndpoint, slowStart);
    }
    return slots.acquire(perEndpoint, waiter, pending, maxPending, slowStart);
  }

  /** Tries of this destination waiting for a slot now. */
  public int pending() {
    return pending.get();
  }

  // === circuit breaker ===

  /**
   * Asks the circuit breaker for a call: {@code false} while it is open (or its half-open trial
   * calls are taken). A permitted call must be reported with {@link #recordOutcome} or
   * {@link #releasePermission}.
   */
  public boolean tryAcquirePermission() {
    return breaker == null || breaker.tryAcquirePermission();
  }

  /** Gives back a permission whose call was never sent (the bulkhead refused it). */
  public void releasePermission() {
    if (breaker != null) {
      breaker.releasePermission();
    }
  }

  /** One permitted call's outcome, for the breaker's failure rate. */
  public void recordOutcome(boolean error, long durationNanos) {
    if (breaker == null) {
      return;
    }
    if (error) {
      breaker.onError(durationNanos, TimeUnit.NANOSECONDS, FAILED);
    } else {
      breaker.onSuccess(durationNanos, TimeUnit.NANOSECONDS);
    }
  }

  /** The breaker's state name ({@code CLOSED}, {@code OPEN}, ...), or {@code null} without one. */
  public String breakerState() {
    return breaker == null ? null : breaker.getState().name();
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
    return record(health, error, nowNanos, nowNanos, ejectedNow, size);
  }

  /**
   * As {@link #record(EndpointHealth, boolean, long, int, int)}, for a call sent at
   * {@code sentAtNanos}: a success of a call sent to an ejected endpoint after its ejection ends
   * the ejection. Without that, an endpoint ejected for a blip (one timeout on a loaded machine)
   * would hold the destination's {@code maxEjectionPercent} for the whole ejection, so that a
   * server killed meanwhile could not be ejected and, the balancer skipping the ejected live one,
   * would get every call and every retry.
   */
  public boolean record(EndpointHealth health, boolean error, long sentAtNanos, long nowNanos, int ejectedNow, int size) {
    if (!error) {
      health.consecutiveErrors.set(0);
      if (outlier != null) {
        health.returnIfSentSinceEjection(sentAtNanos, nowNanos);
      }
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
    health.eject(nowNanos, outlier.baseEjectionTime().toNanos(), outlier.interval().toNanos());
    return true;
  }
}
