package dev.skein.core.routing;

import dev.skein.api.Endpoint;
import dev.skein.bootstrap.HeaderLookup;
import dev.skein.bootstrap.OutboundRoute;
import dev.skein.core.state.MeshSnapshot;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The client-side hot path: host, then the Route's first matching rule, then a destination
 * subset by weight, then an endpoint by the destination's balancer (skipping ejected endpoints). Reads one volatile snapshot per request
 * and allocates only the answer.
 */
public final class Router {
  private final CountDownLatch firstSnapshot = new CountDownLatch(1);
  private final long firstSnapshotWaitNanos;
  private final List<Consumer<MeshSnapshot>> publishListeners = new CopyOnWriteArrayList<>();
  private volatile MeshSnapshot snapshot;

  public Router(Duration firstSnapshotWait) {
    this.firstSnapshotWaitNanos = firstSnapshotWait.toNanos();
  }

  /** Publishes a new snapshot; the next request uses it. */
  public void publish(MeshSnapshot next) {
    snapshot = next;
    firstSnapshot.countDown();
    for (Consumer<MeshSnapshot> listener : publishListeners) {
      listener.accept(next);
    }
  }

  /** Called with every snapshot published after this (gRPC name resolution follows it). */
  public void onPublish(Consumer<MeshSnapshot> listener) {
    publishListeners.add(listener);
  }

  public MeshSnapshot snapshot() {
    return snapshot;
  }

  public OutboundRoute routeHttp(String host, String method, String path, HeaderLookup headers) {
    MeshSnapshot current = current(host);
    return current == null ? null : route(current.httpByHost(), current.httpById(), host, method, path, headers);
  }

  /** The same decision for one gRPC call: the path is {@code /pkg.Service/Method}, the method POST. */
  public OutboundRoute routeGrpc(String host, String path, HeaderLookup headers) {
    MeshSnapshot current = current(host);
    return current == null ? null : route(current.grpcByHost(), current.grpcById(), host, "POST", path, headers);
  }

  /** Whether a gRPC channel to this host should resolve through the mesh. */
  public boolean isGrpcService(String host) {
    MeshSnapshot current = current(host);
    return current != null && current.grpcByHost().containsKey(host);
  }

  /** The snapshot in force; before the first one, waits for it when the host may be a mesh host. */
  private MeshSnapshot current(String host) {
    MeshSnapshot current = snapshot;
    if (current == null && MeshHosts.mayBeMeshHost(host)) {
      current = awaitFirstSnapshot();
    }
    return current;
  }

  private static OutboundRoute route(
      Map<String, ServiceTarget> byHost, Map<String, ServiceTarget> byId, String host, String method, String path, HeaderLookup headers) {
    ServiceTarget service = byHost.get(host);
    if (service == null) {
      return null;
    }
    CompiledRoute route = service.route();
    if (route == null) {
      return pick(service, service.all(), null, headers);
    }
    CompiledRoute.Rule rule = route.match(method, path, headers);
    if (rule == null) {
      // Istio semantics: a Route with no matching rule sends nothing; we let the call pass
      // through to all endpoints instead, so that policy never blocks traffic by accident.
      return pick(service, service.all(), null, headers);
    }
    CompiledRoute.Choice choice = rule.pick();
    if (choice == null) {
      return pick(service, service.all(), rule, headers);
    }
    ServiceTarget destination =
        choice.service().id().equals(service.id()) ? service : byId.get(choice.service().id());
    if (destination == null) {
      return null;
    }
    OutboundRoute chosen = pick(destination, destination.subset(choice.subset()), rule, headers);
    CompiledRoute.Mirror mirror = rule.mirror();
    if (chosen != null && mirror != null && mirror.now()) {
      chosen = withMirror(chosen, mirror, service, byId, headers);
    }
    return chosen;
  }

  /** The route with a mirror endpoint attached; as it was when the mirror has no endpoint. */
  private static OutboundRoute withMirror(
      OutboundRoute chosen, CompiledRoute.Mirror mirror, ServiceTarget service, Map<String, ServiceTarget> byId, HeaderLookup headers) {
    ServiceTarget target = mirror.service().id().equals(service.id()) ? service : byId.get(mirror.service().id());
    EndpointGroup group = target == null ? EndpointGroup.EMPTY : target.subset(mirror.subset());
    if (group.isEmpty()) {
      return chosen;
    }
    Endpoint endpoint = group.endpoint(group.pick(headers));
    OutboundRoute copy = new OutboundRoute(endpoint.address(), endpoint.port(), target.id(), chosen.route(), group.subset());
    return chosen.withMirror(copy);
  }

  private static OutboundRoute pick(ServiceTarget service, EndpointGroup group, CompiledRoute.Rule rule, HeaderLookup headers) {
    EndpointGroup chosen = group;
    if (chosen.isEmpty()) {
      // Failover: every endpoint of the subset is gone, use the rest of the service.
      chosen = service.all();
      if (chosen.isEmpty()) {
        return null;
      }
    }
    int index = chosen.pick(headers);
    if (chosen.guard() != null) {
      chosen.guard().budget().deposit(); // a first try earns part of a retry
    }
    Endpoint endpoint = chosen.endpoint(index);
    return new OutboundRoute(
        endpoint.address(),
        endpoint.port(),
        service.id(),
        rule == null ? null : rule.name(),
        chosen.subset(),
        rule == null ? null : rule.policy(),
        chosen.control(index));
  }

  /** The snapshot in force; before the first one, waits for it at most {@code maxNanos}. */
  public MeshSnapshot awaitSnapshot(long maxNanos) {
    MeshSnapshot current = snapshot;
    if (current != null || maxNanos <= 0) {
      return current;
    }
    try {
      firstSnapshot.await(maxNanos, TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return snapshot;
  }

  private MeshSnapshot awaitFirstSnapshot() {
    try {
      firstSnapshot.await(firstSnapshotWaitNanos, TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return snapshot;
  }
}
