package dev.skein.core.resilience;

/** Lets tests in other packages reach package-private resilience hooks. */
public final class ResilienceTestAccess {
  private ResilienceTestAccess() {}

  public static void eject(EndpointHealth health, long nanos) {
    health.eject(System.nanoTime(), nanos, 0);
  }
}
