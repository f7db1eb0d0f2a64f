package dev.skein.bootstrap;

/**
 * The engine's answer for one outbound request: the endpoint to send it to, and the route and
 * subset that chose it (for telemetry and for the headers a test can read).
 */
public final class OutboundRoute {
  private final String address;
  private final int port;
  private final String service;
  private final String route;
  private final String subset;
  private final CallPolicy policy;
  private final CallControl control;
  private final OutboundRoute mirror;

  public OutboundRoute(String address, int port, String service, String route, String subset) {
    this(address, port, service, route, subset, null, null);
  }

  /**
   * @param policy the matched rule's faults, retries and timeouts, or {@code null}
   * @param control the engine's handle on the chosen endpoint, or {@code null}
   */
  public OutboundRoute(
      String address, int port, String service, String route, String subset, CallPolicy policy, CallControl control) {
    this(address, port, service, route, subset, policy, control, null);
  }

  /** @param mirror where a fire-and-forget copy of this call goes, or {@code null} */
  public OutboundRoute(
      String address, int port, String service, String route, String subset, CallPolicy policy, CallControl control, OutboundRoute mirror) {
    this.mirror = mirror;
    this.address = address;
    this.port = port;
    this.service = service;
    this.route = route;
    this.subset = subset;
    this.policy = policy;
    this.control = control;
  }

  /** The matched rule's faults, retries and timeouts, or {@code null} when it sets none. */
  public CallPolicy policy() {
    return policy;
  }

  /**
   * The endpoint a copy of this call goes to (Route {@code mirror}, the dice already rolled), or
   * {@code null}: the copy is fire-and-forget, its answer discarded.
   */
  public OutboundRoute mirror() {
    return mirror;
  }

  /** This route with a mirror endpoint attached. */
  public OutboundRoute withMirror(OutboundRoute copy) {
    return new OutboundRoute(address, port, service, route, subset, policy, control, copy);
  }

  // === resilience: each call below is safe, an engine fault counts and answers "no opinion" ===

  /** {@code null} to proceed, else why the mesh refuses the call ({@code circuit-open}, {@code overloaded}). */
  public String admit() {
    try {
      return control == null ? null : control.admit();
    } catch (Throwable t) {
      AgentFaults.record("admit", t);
      return null;
    }
  }

  /** {@code null} when the destination's circuit breaker lets the call go, else {@code circuit-open}. */
  public String permit() {
    try {
      return control == null ? null : control.permit();
    } catch (Throwable t) {
      AgentFaults.record("permit", t);
      return null;
    }
  }

  /** The end of an admitted call: its HTTP status, or 0 for a connection failure or reset. */
  public void finished(int status, long durationNanos) {
    try {
      if (control != null) {
        control.finished(status, durationNanos);
      }
    } catch (Throwable t) {
      AgentFaults.record("finished", t);
    }
  }

  /** Whether the destination's retry budget allows one more retry. */
  public boolean tryRetry() {
    try {
      return control == null || control.tryRetry();
    } catch (Throwable t) {
      AgentFaults.record("tryRetry", t);
      return true;
    }
  }

  /** Another endpoint of the same destination for a retry, or this one. */
  public OutboundRoute reroute() {
    try {
      OutboundRoute next = control == null ? null : control.reroute(this);
      return next == null ? this : next;
    } catch (Throwable t) {
      AgentFaults.record("reroute", t);
      return this;
    }
  }

  /**
   * A slot for one try on this endpoint ({@link CallControl#acquire}); an engine fault counts and
   * lets the try go: the limiter never breaks a request.
   */
  public String acquire(SlotWaiter waiter) {
    try {
      return control == null ? null : control.acquire(waiter);
    } catch (Throwable t) {
      AgentFaults.record("acquire", t);
      return null;
    }
  }

  /** Whether the destination limits requests per endpoint ({@link CallControl#limitsEndpoints}); {@code false} on an engine fault. */
  public boolean limitsEndpoints() {
    try {
      return control != null && control.limitsEndpoints();
    } catch (Throwable t) {
      AgentFaults.record("limitsEndpoints", t);
      return false;
    }
  }

  /** Gives back a slot that {@link #acquire} took. */
  public void release() {
    try {
      if (control != null) {
        control.release();
      }
    } catch (Throwable t) {
      AgentFaults.record("release", t);
    }
  }

  /** A slot for one try under slow start ({@link CallControl#take}); an engine fault lets the try go. */
  public String take(SlotWaiter waiter) {
    try {
      return control == null ? null : control.take(waiter);
    } catch (Throwable t) {
      AgentFaults.record("acquire", t);
      return null;
    }
  }

  /** Gives back the slot of a finished try ({@link CallControl#release(boolean, int)}). */
  public void release(boolean opening, int status) {
    try {
      if (control != null) {
        control.release(opening, status);
      }
    } catch (Throwable t) {
      AgentFaults.record("release", t);
    }
  }

  /** Takes a queued waiter out of the queue; {@code false} when it was granted meanwhile. */
  public boolean cancel(SlotWaiter waiter) {
    try {
      return control == null || control.cancel(waiter);
    } catch (Throwable t) {
      AgentFaults.record("cancel", t);
      return true;
    }
  }

  public String address() {
    return address;
  }

  public int port() {
    return port;
  }

  /** {@code namespace/name} of the destination service. */
  public String service() {
    return service;
  }

  /** The name of the Route rule that matched, or {@code null}. */
  public String route() {
    return route;
  }

  /** The destination subset, or {@code null} for all endpoints. */
  public String subset() {
    return subset;
  }

  /** {@code address:port}, with brackets around an IPv6 literal: ready for a URI authority. */
  public String authority() {
    return (address.indexOf(':') >= 0 ? "[" + address + "]" : address) + ":" + port;
  }

  @Override
  public String toString() {
    return service + " -> " + authority() + (subset == null ? "" : " (" + subset + ")");
  }
}
