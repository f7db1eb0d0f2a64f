package dev.skein.instrumentation.grpc.mesh;

import io.grpc.ConnectivityState;
import io.grpc.ConnectivityStateInfo;
import io.grpc.EquivalentAddressGroup;
import io.grpc.LoadBalancer;
import io.grpc.Status;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Keeps one subchannel (connection) per endpoint the mesh resolver reports, connected eagerly,
 * and publishes a {@link MeshPicker} over them at every state change. Runs in the channel's
 * synchronization context, so it needs no locks.
 */
final class MeshLoadBalancer extends LoadBalancer {
  private final Helper helper;
  private final Map<String, Subchannel> subchannels = new HashMap<>();
  private final Map<Subchannel, ConnectivityState> states = new HashMap<>();
  private String host;
  private Status lastError = Status.UNAVAILABLE.withDescription("no endpoint of the mesh service is reachable");

  private final FaultDelays delays;
  private final GrpcSlots slots;
  private final AtomicBoolean grantRepickQueued = new AtomicBoolean();
  private boolean shutdown;

  MeshLoadBalancer(Helper helper) {
    this.helper = helper;
    this.delays = new FaultDelays(helper.getScheduledExecutorService(), () -> helper.getSynchronizationContext().execute(this::repick));
    this.slots = new GrpcSlots(helper.getScheduledExecutorService(), this::repickForGrant);
  }

  /**
   * A queued call was granted a slot. A new picker picks every buffered call again, so the grants
   * that come while one is queued share it rather than each publish their own.
   */
  private void repickForGrant() {
    if (grantRepickQueued.compareAndSet(false, true)) {
      helper.getSynchronizationContext().execute(
          () -> {
            grantRepickQueued.set(false);
            repick();
          });
    }
  }

  static String key(String address, int port) {
    return address + ":" + port;
  }

  @Override
  public boolean canHandleEmptyAddressListFromNameResolution() {
    return true;
  }

  @Override
  public void handleResolvedAddresses(ResolvedAddresses resolved) {
    String meshHost = resolved.getAttributes().get(MeshNameResolver.MESH_HOST);
    host = meshHost != null ? meshHost : MeshChannels.host(helper.getAuthority());
    Set<String> current = new HashSet<>();
    for (EquivalentAddressGroup group : resolved.getAddresses()) {
      for (SocketAddress address : group.getAddresses()) {
        if (!(address instanceof InetSocketAddress)) {
          continue;
        }
        InetSocketAddress inet = (InetSocketAddress) address;
        String key = key(inet.getAddress() == null ? inet.getHostString() : inet.getAddress().getHostAddress(), inet.getPort());
        if (current.add(key) && !subchannels.containsKey(key)) {
          connect(key, inet);
        }
      }
    }
    for (Iterator<Map.Entry<String, Subchannel>> it = subchannels.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<String, Subchannel> e = it.next();
      if (!current.contains(e.getKey())) {
        states.remove(e.getValue());
        e.getValue().shutdown();
        it.remove();
      }
    }
    if (subchannels.isEmpty()) {
      lastError = Status.UNAVAILABLE.withDescription("the mesh has no gRPC endpoint for " + host);
    }
    updatePicker();
  }

  private void connect(String key, InetSocketAddress address) {
    Subchannel subchannel =
        helper.createSubchannel(CreateSubchannelArgs.newBuilder().setAddresses(new EquivalentAddressGroup(address)).build());
    subchannels.put(key, subchannel);
    states.put(subchannel, ConnectivityState.CONNECTING);
    subchannel.start(state -> stateChanged(subchannel, state));
    subchannel.requestConnection();
  }

  private void stateChanged(Subchannel subchannel, ConnectivityStateInfo info) {
    if (!states.containsKey(subchannel)) {
      return; // removed since
    }
    if (info.getState() == ConnectivityState.TRANSIENT_FAILURE) {
      lastError = info.getStatus();
    }
    if (info.getState() == ConnectivityState.IDLE) {
      // Keep every endpoint connected: a call routed to it should not pay the handshake.
      subchannel.requestConnection();
    }
    states.put(subchannel, info.getState());
    updatePicker();
  }

  /** A held call's injected delay is over: a fresh picker lets it go. */
  private void repick() {
    if (!shutdown) {
      updatePicker();
    }
  }

  private void updatePicker() {
    Map<String, Subchannel> ready = new HashMap<>();
    Set<String> connecting = new HashSet<>();
    subchannels.forEach(
        (key, subchannel) -> {
          ConnectivityState state = states.get(subchannel);
          if (state == ConnectivityState.READY) {
            ready.put(key, subchannel);
          } else if (state == ConnectivityState.CONNECTING || state == ConnectivityState.IDLE) {
            connecting.add(key);
          }
        });
    ConnectivityState overall =
        !ready.isEmpty()
            ? ConnectivityState.READY
            : !connecting.isEmpty() ? ConnectivityState.CONNECTING : ConnectivityState.TRANSIENT_FAILURE;
    helper.updateBalancingState(overall, new MeshPicker(host, Map.copyOf(ready), Set.copyOf(connecting), lastError, delays, slots));
  }

  @Override
  public void handleNameResolutionError(Status error) {
    if (subchannels.isEmpty()) {
      lastError = error;
      updatePicker();
    }
  }

  @Override
  public void shutdown() {
    shutdown = true;
    for (Subchannel subchannel : subchannels.values()) {
      subchannel.shutdown();
    }
    subchannels.clear();
    states.clear();
  }
}
