package dev.skein.bootstrap;

/**
 * A try waiting for a slot on its endpoint under the destination's {@code maxRequestsPerEndpoint}
 * (see {@link CallControl#acquire}).
 */
public interface SlotWaiter {
  /**
   * The slot is this try's now. Called once, on the thread that freed the slot (a library thread
   * ending another try), unless {@link CallControl#cancel} took the waiter out of the queue first.
   * Must not block and must not throw.
   */
  void granted();

  /**
   * As {@link #granted()}; {@code opening}: the slot is beyond the connections the client
   * evidently holds to the endpoint (see {@link CallControl#OPENING}).
   */
  default void granted(boolean opening) {
    granted();
  }
}
