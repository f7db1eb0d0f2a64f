package dev.skein.core.resilience;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Caps retries at a ratio of requests per destination, so that retries cannot multiply an outage
 * (Linkerd's and Finagle's retry budget). Each first try deposits {@link #RATIO} of a token, each
 * retry spends one; the balance starts at, and never exceeds, {@link #RESERVE} tokens, so a quiet
 * destination can still retry a few calls. Resilience4j's Retry counts attempts per call and has
 * no shared budget, hence this small class. Lock-free: balances in thousandths of a token.
 */
public final class RetryBudget {
  /** Retries allowed per request, on average. */
  public static final double RATIO = 0.2;
  /** The reserve: retries allowed before any request has deposited. */
  public static final int RESERVE = 10;

  private static final long DEPOSIT = Math.round(RATIO * 1000);
  private static final long COST = 1000;
  private static final long CAP = RESERVE * COST;

  private final AtomicLong balance = new AtomicLong(CAP);

  /** A first try: earns a fraction of a retry. */
  public void deposit() {
    long b;
    do {
      b = balance.get();
      if (b >= CAP) {
        return;
      }
    } while (!balance.compareAndSet(b, Math.min(CAP, b + DEPOSIT)));
  }

  /** Spends one retry, or answers {@code false} when the budget is spent. */
  public boolean tryWithdraw() {
    long b;
    do {
      b = balance.get();
      if (b < COST) {
        return false;
      }
    } while (!balance.compareAndSet(b, b - COST));
    return true;
  }
}
