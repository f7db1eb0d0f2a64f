package dev.skein.instrumentation.grpc.mesh;

import dev.skein.bootstrap.AgentLog;
import dev.skein.bootstrap.Bridge;
import io.grpc.Attributes;
import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import io.grpc.NameResolver.ServiceConfigParser;
import io.grpc.SynchronizationContext;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * Resolves a mesh service to all of its gRPC endpoints and pushes every change the engine sees
 * (the engine's etcd watch drives it; {@link #refresh()} has nothing to poll). Which endpoint
 * one call uses is the picker's decision, per call.
 */
final class MeshNameResolver extends NameResolver {
  /** The mesh host, handed to the load balancer with the addresses. */
  static final Attributes.Key<String> MESH_HOST = Attributes.Key.create("skein.mesh.host");

  private final String host;
  private final String authority;
  private final SynchronizationContext syncContext;
  private final ServiceConfigParser configParser;
  private Listener2 listener;
  private AutoCloseable watch;
  private boolean shutdown;

  MeshNameResolver(String host, String authority, SynchronizationContext syncContext, ServiceConfigParser configParser) {
    this.host = host;
    this.configParser = configParser;
    this.authority = authority;
    this.syncContext = syncContext;
  }

  @Override
  public String getServiceAuthority() {
    return authority;
  }

  @Override
  public void start(Listener2 listener) {
    this.listener = listener;
    this.watch = Bridge.watchGrpcEndpoints(host, this::endpointsChanged);
  }

  /** On an engine thread: hop into the channel's synchronization context. */
  private void endpointsChanged(List<InetSocketAddress> endpoints) {
    syncContext.execute(() -> publish(endpoints));
  }

  private void publish(List<InetSocketAddress> endpoints) {
    if (shutdown) {
      return;
    }
    List<EquivalentAddressGroup> groups = new ArrayList<>(endpoints.size());
    for (InetSocketAddress endpoint : endpoints) {
      groups.add(new EquivalentAddressGroup(endpoint));
    }
    AgentLog.debug("grpc " + host + " resolves to " + endpoints);
    ResolutionResult.Builder result =
        ResolutionResult.newBuilder().setAddresses(groups).setAttributes(Attributes.newBuilder().set(MESH_HOST, host).build());
    // The Route's retries and timeout as a service config: gRPC's own retry machinery applies them.
    java.util.Map<String, ?> config = Bridge.grpcServiceConfig(host);
    if (config != null && configParser != null) {
      result.setServiceConfig(configParser.parseServiceConfig(config));
    }
    listener.onResult(result.build());
  }

  @Override
  public void refresh() {}

  @Override
  public void shutdown() {
    shutdown = true;
    try {
      if (watch != null) {
        watch.close();
      }
    } catch (Exception e) {
      AgentLog.debug("grpc resolver shutdown: " + e);
    }
  }
}
