package dev.skein.core.routing;

import dev.skein.api.Endpoint;
import dev.skein.bootstrap.AgentFaults;
import dev.skein.core.state.MeshSnapshot;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The subscriptions of gRPC name resolvers: each follows the gRPC endpoints of one mesh host and
 * hears about a snapshot only when that host's endpoint list changed. The list is all endpoints
 * of the service; the per-call choice among them stays with the router.
 */
public final class GrpcEndpointWatchers {
  private final List<Watch> watches = new CopyOnWriteArrayList<>();
  private final Router router;

  public GrpcEndpointWatchers(Router router) {
    this.router = router;
    router.onPublish(this::published);
  }

  /** Subscribes; the listener gets the current list at once when a snapshot is in force. */
  public AutoCloseable watch(String host, Consumer<List<InetSocketAddress>> listener) {
    Watch watch = new Watch(host, listener);
    watches.add(watch);
    watch.update(router);
    return () -> watches.remove(watch);
  }

  private void published(MeshSnapshot snapshot) {
    for (Watch watch : watches) {
      watch.update(router);
    }
  }

  static List<InetSocketAddress> addresses(MeshSnapshot snapshot, String host) {
    ServiceTarget target = snapshot.grpcByHost().get(host);
    if (target == null) {
      return List.of();
    }
    List<InetSocketAddress> addresses = new ArrayList<>();
    for (Endpoint e : target.all().endpoints()) {
      // Endpoints register IP addresses: this creates a resolved address without a lookup.
      addresses.add(new InetSocketAddress(e.address(), e.port()));
    }
    return List.copyOf(addresses);
  }

  /** One subscription and the last list it was given. */
  private static final class Watch {
    private final String host;
    private final Consumer<List<InetSocketAddress>> listener;
    private List<InetSocketAddress> last;
    private Map<String, Object> lastConfig;

    Watch(String host, Consumer<List<InetSocketAddress>> listener) {
      this.host = host;
      this.listener = listener;
    }

    /**
     * Reads the snapshot in force under this watch's lock, not the one a caller was handed: a
     * subscriber racing with a publish can then never be given an older list after a newer one.
     */
    synchronized void update(Router router) {
      MeshSnapshot snapshot = router.snapshot();
      if (snapshot == null) {
        return;
      }
      List<InetSocketAddress> next = addresses(snapshot, host);
      // A changed Route changes the channel's service config, which rides on the same update.
      Map<String, Object> config = GrpcServiceConfig.of(snapshot.grpcByHost().get(host));
      if (next.equals(last) && java.util.Objects.equals(config, lastConfig)) {
        return;
      }
      last = next;
      lastConfig = config;
      try {
        listener.accept(next);
      } catch (Throwable t) {
        AgentFaults.record("grpc-resolver", t);
      }
    }
  }
}
