package dev.skein.core.routing;

import dev.skein.api.Endpoint;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The endpoints of one service (or one subset of it) for one protocol, with a round-robin
 * cursor. Immutable but for the cursor; a new snapshot builds new groups.
 */
public final class EndpointGroup {
  static final EndpointGroup EMPTY = new EndpointGroup(null, List.of());

  private final String subset;
  private final Endpoint[] endpoints;
  private final AtomicInteger cursor = new AtomicInteger();

  public EndpointGroup(String subset, List<Endpoint> endpoints) {
    this.subset = subset;
    this.endpoints = endpoints.toArray(new Endpoint[0]);
  }

  public String subset() {
    return subset;
  }

  public boolean isEmpty() {
    return endpoints.length == 0;
  }

  public List<Endpoint> endpoints() {
    return List.of(endpoints);
  }

  /** Round robin; the caller checks {@link #isEmpty()} first. */
  public Endpoint next() {
    int i = cursor.getAndIncrement() & Integer.MAX_VALUE;
    return endpoints[i % endpoints.length];
  }
}
