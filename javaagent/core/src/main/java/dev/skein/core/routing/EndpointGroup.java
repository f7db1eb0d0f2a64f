package dev.skein.core.routing;

import dev.skein.api.Endpoint;
import dev.skein.api.LbPolicy;
import dev.skein.bootstrap.CallControl;
import dev.skein.bootstrap.HeaderLookup;
import dev.skein.bootstrap.OutboundRoute;
import dev.skein.core.resilience.DestinationGuard;
import dev.skein.core.resilience.EndpointHealth;
import dev.skein.core.resilience.EndpointSlots;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The endpoints of one service (or one subset of it) for one protocol, with the balancer that
 * picks among them and the health and guard that resilience shares across snapshots. Immutable
 * but for the round-robin cursor and that shared state; a new snapshot builds new groups.
 */
public final class EndpointGroup {
  static final EndpointGroup EMPTY = new EndpointGroup(null, List.of());

  private final String serviceId;
  private final String subset;
  private final Endpoint[] endpoints;
  private final EndpointHealth[] health;
  private final Member[] members;
  private final Balancer balancer;
  private final DestinationGuard guard;
  private final AtomicInteger cursor = new AtomicInteger();

  /** Round robin, no resilience: for tests and the empty group. */
  public EndpointGroup(String subset, List<Endpoint> endpoints) {
    this(null, subset, endpoints, null, null, null, null);
  }

  /**
   * @param health one per endpoint, in the same order ({@code null}: fresh state)
   * @param guard {@code null}: no resilience
   * @param hashHeader the header RING_HASH hashes
   */
  public EndpointGroup(
      String serviceId,
      String subset,
      List<Endpoint> endpoints,
      EndpointHealth[] health,
      DestinationGuard guard,
      LbPolicy lb,
      String hashHeader) {
    this.serviceId = serviceId;
    this.subset = subset;
    this.endpoints = endpoints.toArray(new Endpoint[0]);
    if (health == null) {
      health = new EndpointHealth[this.endpoints.length];
      for (int i = 0; i < health.length; i++) {
        health[i] = new EndpointHealth();
      }
    }
    this.health = health;
    this.guard = guard;
    this.balancer = lb == LbPolicy.RING_HASH ? new RingHashBalancer(hashHeader, this.endpoints) : Balancer.of(lb);
    this.members = new Member[this.endpoints.length];
    for (int i = 0; i < members.length; i++) {
      members[i] = new Member(i);
    }
  }

  public String subset() {
    return subset;
  }

  public boolean isEmpty() {
    return endpoints.length == 0;
  }

  public int size() {
    return endpoints.length;
  }

  public List<Endpoint> endpoints() {
    return List.of(endpoints);
  }

  public Endpoint endpoint(int index) {
    return endpoints[index];
  }

  public EndpointHealth health(int index) {
    return health[index];
  }

  /** The destination's guard, or {@code null} when none was configured. */
  public DestinationGuard guard() {
    return guard;
  }

  /** The engine's handle on one endpoint of this group, for {@link OutboundRoute}. */
  public CallControl control(int index) {
    return members[index];
  }

  /** An endpoint by this group's balancer; the caller checks {@link #isEmpty()} first. */
  public int pick(HeaderLookup headers) {
    int picked = balancer.pick(this, headers);
    // Under maxRequestsPerEndpoint a try for a full endpoint waits; while another endpoint has a
    // free slot, go there instead: waiting behind a busy endpoint while another idles only adds
    // latency (LEAST_REQUEST's two choices may both be full; round robin and random do not look).
    // Not for RING_HASH: a key keeps its endpoint, so its tries wait there.
    if (guard != null && guard.limitsEndpoints() && !(balancer instanceof RingHashBalancer)) {
      picked = withFreeSlot(picked, guard.perEndpointLimit());
    }
    return picked;
  }

  /** {@code picked} when it has a free slot, else the next available endpoint that has one, else {@code picked}. */
  private int withFreeSlot(int picked, int limit) {
    if (health[picked].slots().hasFree(limit)) {
      return picked;
    }
    int n = endpoints.length;
    long now = System.nanoTime();
    for (int k = 1; k < n; k++) {
      int i = (picked + k) % n;
      if (health[i].slots().hasFree(limit) && !health[i].isEjected(now)) {
        return i;
      }
    }
    return picked;
  }

  /** Round robin; the caller checks {@link #isEmpty()} first. */
  public Endpoint next() {
    return endpoints[pick(HeaderLookup.NONE)];
  }

  // === for balancers ===

  int advanceCursor() {
    return cursor.getAndIncrement() & Integer.MAX_VALUE;
  }

  /** Tries in flight to an endpoint, and those waiting for a slot on it. */
  int inFlight(int index) {
    return health[index].inFlight() + health[index].slots().waiting();
  }

  boolean isAvailable(int index) {
    return !health[index].isEjected(System.nanoTime());
  }

  /** The first endpoint not ejected, from {@code start} (mod size) on; {@code start} itself when all are. */
  int firstAvailableFrom(int start) {
    int n = endpoints.length;
    long now = System.nanoTime();
    for (int k = 0; k < n; k++) {
      int i = (start + k) % n;
      if (!health[i].isEjected(now)) {
        return i;
      }
    }
    return start % n;
  }

  private int ejectedCount(long now) {
    int ejected = 0;
    for (EndpointHealth h : health) {
      if (h.isEjected(now)) {
        ejected++;
      }
    }
    return ejected;
  }

  // === impl CallControl ===

  /** One endpoint of this group as the calls sent to it see it. */
  private final class Member implements CallControl {
    private final int index;

    Member(int index) {
      this.index = index;
    }

    @Override
    public String permit() {
      return guard == null || guard.tryAcquirePermission() ? null : "circuit-open";
    }

    @Override
    public String admit() {
      if (guard != null && !guard.tryEnter()) {
        guard.releasePermission();
        return "overloaded";
      }
      health[index].inFlightIncrement();
      return null;
    }

    @Override
    public void finished(int status, long durationNanos) {
      health[index].inFlightDecrement();
      if (guard != null) {
        guard.exit();
        long now = System.nanoTime();
        boolean error = status == 0 || status >= 500;
        guard.recordOutcome(error, durationNanos);
        guard.record(health[index], error, now - durationNanos, now, ejectedCount(now), endpoints.length);
      }
    }

    @Override
    public boolean limitsEndpoints() {
      return guard != null && guard.limitsEndpoints();
    }

    @Override
    public String acquire(dev.skein.bootstrap.SlotWaiter waiter) {
      return take(waiter, false);
    }

    @Override
    public String take(dev.skein.bootstrap.SlotWaiter waiter) {
      return take(waiter, true);
    }

    private String take(dev.skein.bootstrap.SlotWaiter waiter, boolean slowStart) {
      if (guard == null || !guard.limitsEndpoints()) {
        return null;
      }
      switch (guard.acquire(health[index].slots(), waiter, slowStart)) {
        case EndpointSlots.TAKEN:
          return null;
        case EndpointSlots.OPENING:
          return OPENING;
        case EndpointSlots.QUEUED:
          return QUEUED;
        default:
          return waiter == null ? FULL : "pending-overflow";
      }
    }

    @Override
    public void release() {
      // The same guard as at acquire: a route keeps the member, and the member its group's guard.
      if (guard != null && guard.limitsEndpoints()) {
        health[index].slots().release();
      }
    }

    @Override
    public void release(boolean opening, int status) {
      if (guard != null && guard.limitsEndpoints()) {
        health[index].slots().release(opening, status);
      }
    }

    @Override
    public boolean cancel(dev.skein.bootstrap.SlotWaiter waiter) {
      return health[index].slots().cancel(waiter);
    }

    @Override
    public boolean tryRetry() {
      return guard == null || guard.budget().tryWithdraw();
    }

    @Override
    public OutboundRoute reroute(OutboundRoute previous) {
      int next = pick(HeaderLookup.NONE);
      if (next == index && endpoints.length > 1) {
        next = firstAvailableFrom(index + 1);
        if (next == index) {
          // Every other endpoint is ejected: a retry still goes to another one, never back to the
          // one that just failed (Istio's default previous-hosts retry predicate). An ejected
          // endpoint may be alive (ejected for a blip); the one that failed may be dead.
          next = (index + 1) % endpoints.length;
        }
      }
      Endpoint e = endpoints[next];
      return new OutboundRoute(
          e.address(), e.port(), previous.service(), previous.route(), previous.subset(), previous.policy(), members[next]);
    }
  }
}
