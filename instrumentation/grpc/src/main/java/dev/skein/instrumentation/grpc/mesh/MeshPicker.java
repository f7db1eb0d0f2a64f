package dev.skein.instrumentation.grpc.mesh;

import dev.skein.bootstrap.Bridge;
import dev.skein.bootstrap.CallPolicy;
import dev.skein.bootstrap.OutboundRoute;
import io.grpc.LoadBalancer.PickResult;
import io.grpc.LoadBalancer.PickSubchannelArgs;
import io.grpc.LoadBalancer.Subchannel;
import io.grpc.LoadBalancer.SubchannelPicker;
import io.grpc.Status;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Per call: asks the engine where this call goes (Route rule on {@code /pkg.Service/Method},
 * method POST and the call's headers, then subset weights, then the subset's balancer) and
 * returns the subchannel connected to that endpoint. Immutable: the balancer builds a new one
 * whenever a subchannel changes state.
 */
final class MeshPicker extends SubchannelPicker {
  private final String host;
  private final Map<String, Subchannel> ready;
  private final List<Subchannel> readyList;
  private final Set<String> connecting;
  private final Status noEndpoint;
  private final AtomicInteger fallback = new AtomicInteger();
  private final FaultDelays delays;
  private final GrpcSlots slots;

  /** The fail-fast answer while the destination's circuit breaker is open: the call never leaves. */
  static final Status CIRCUIT_OPEN = Status.UNAVAILABLE.withDescription("skein: circuit open");

  /** A mirror copy whose endpoint this channel is not connected to (another service's): dropped. */
  static final Status MIRROR_NOT_CONNECTED = Status.UNAVAILABLE.withDescription("skein: mirror endpoint not connected");

  /** Past {@code maxPendingRequests}: the call never leaves. */
  static final Status PENDING_OVERFLOW = Status.UNAVAILABLE.withDescription("skein: pending-overflow");

  /**
   * @param ready READY subchannels by {@code address:port}
   * @param connecting endpoints still connecting: a call routed there waits for them
   * @param noEndpoint the error for calls when nothing is ready or connecting
   * @param delays the channel's calls held by an injected delay
   */
  MeshPicker(String host, Map<String, Subchannel> ready, Set<String> connecting, Status noEndpoint, FaultDelays delays) {
    this(host, ready, connecting, noEndpoint, delays, null);
  }

  /** @param slots the channel's calls waiting under {@code maxRequestsPerEndpoint}, or {@code null} */
  MeshPicker(
      String host, Map<String, Subchannel> ready, Set<String> connecting, Status noEndpoint, FaultDelays delays, GrpcSlots slots) {
    this.slots = slots;
    this.delays = delays;
    this.host = host;
    this.ready = ready;
    this.readyList = List.copyOf(ready.values());
    this.connecting = connecting;
    this.noEndpoint = noEndpoint;
  }

  @Override
  public PickResult pickSubchannel(PickSubchannelArgs args) {
    OutboundRoute copyTo = args.getCallOptions().getOption(MirrorClientInterceptor.COPY_TO);
    if (copyTo != null) {
      // A Route mirror's copy: straight to its endpoint, or dropped (fire-and-forget).
      Subchannel there = ready.get(MeshLoadBalancer.key(copyTo.address(), copyTo.port()));
      return there != null ? PickResult.withSubchannel(there) : PickResult.withDrop(MIRROR_NOT_CONNECTED);
    }
    if (slots != null && slots.waiting(args.getHeaders())) {
      // Still queued for a slot: every grant publishes a new picker, which picks every buffered
      // call again, so a backlog of N calls would route N calls per grant (N squared under
      // overload, which kept the backlog from ever draining). A queued call is not routed again.
      return PickResult.withNoResult();
    }
    OutboundRoute route = Bridge.routeGrpc(host, path(args.getMethodDescriptor()), new MetadataHeaders(args.getHeaders()));
    if (route != null) {
      CallPolicy policy = route.policy();
      if (policy != null && policy.abortNow()) {
        // Fault injection, before anything leaves: the call fails with the abort's status.
        Bridge.grpcCallFault(new MetadataHeaders(args.getHeaders()), "abort", 0);
        return PickResult.withDrop(abortStatus(policy));
      }
      if (policy != null && delays != null && policy.delayMillis() > 0 && delays.hold(args.getHeaders(), policy)) {
        return PickResult.withNoResult(); // an injected delay: buffered until it is over
      }
      String key = MeshLoadBalancer.key(route.address(), route.port());
      Subchannel chosen = ready.get(key);
      GrpcSlots.Waiter granted = null;
      if (chosen != null && slots != null && route.limitsEndpoints()) {
        // maxRequestsPerEndpoint: a full endpoint holds the call here until a slot is its own.
        // Without one, no slot is kept: a waiter, a locked map lookup and a claim timer task for
        // every call, which the profile of an unlimited channel showed on every pick.
        Object slot = slots.pick(args.getHeaders(), route, args.getCallOptions().getDeadline());
        if (slot == null) {
          return PickResult.withNoResult();
        }
        if (slot == GrpcSlots.REFUSED) {
          return PickResult.withError(PENDING_OVERFLOW);
        }
        if (slot instanceof GrpcSlots.Waiter) {
          GrpcSlots.Waiter waiter = (GrpcSlots.Waiter) slot;
          Subchannel there = ready.get(MeshLoadBalancer.key(waiter.route.address(), waiter.route.port()));
          if (there != null) {
            granted = waiter;
            route = waiter.route;
            chosen = there;
          } else {
            waiter.giveBack(); // its endpoint went away meanwhile: the call goes where it was picked
          }
        }
      }
      // The breaker is asked only when the call will go out now (a buffered pick is asked again).
      if (chosen != null && route.permit() != null) {
        if (granted != null) {
          granted.giveBack();
        }
        return PickResult.withError(CIRCUIT_OPEN);
      }
      if (chosen != null) {
        decideMirror(args, route.mirror());
        return PickResult.withSubchannel(chosen, new MeshStreamTracer.Factory(route, granted));
      }
      if (connecting.contains(key)) {
        return PickResult.withNoResult(); // buffered until the next picker
      }
    }
    // The engine knows an endpoint this channel has not connected to yet (the resolver update
    // is on its way), or it could not decide: any ready endpoint rather than a failed call.
    if (!readyList.isEmpty()) {
      decideMirror(args, null);
      return PickResult.withSubchannel(readyList.get((fallback.getAndIncrement() & Integer.MAX_VALUE) % readyList.size()));
    }
    return connecting.isEmpty() ? PickResult.withError(noEndpoint) : PickResult.withNoResult();
  }

  /** The call goes out now: its Route mirror endpoint (rolled by this pick), if any, gets a copy. */
  private static void decideMirror(PickSubchannelArgs args, OutboundRoute mirror) {
    MirrorClientInterceptor.Decision decision = args.getCallOptions().getOption(MirrorClientInterceptor.DECISION);
    if (decision != null) {
      decision.decide(mirror, args.getHeaders());
    }
  }

  // The last method's path: a channel's calls mostly repeat one descriptor, so no string per call.
  private static volatile Object[] lastPath = {null, null};

  /** {@code /} and the full method name: the path a route rule matches. */
  static String path(io.grpc.MethodDescriptor<?, ?> method) {
    Object[] last = lastPath;
    if (last[0] == method) {
      return (String) last[1];
    }
    String path = "/" + method.getFullMethodName();
    lastPath = new Object[] {method, path};
    return path;
  }

  /** The abort's gRPC status, or its HTTP status as gRPC maps it (gRPC's HTTP-to-status table). */
  static Status abortStatus(CallPolicy policy) {
    Status.Code code = Status.Code.UNAVAILABLE;
    String named = policy.abortGrpcStatus();
    if (named != null) {
      try {
        code = Status.Code.valueOf(named);
      } catch (IllegalArgumentException unknown) {
        code = Status.Code.UNKNOWN;
      }
    } else {
      switch (policy.abortHttpStatus()) {
        case 400:
          code = Status.Code.INTERNAL;
          break;
        case 401:
          code = Status.Code.UNAUTHENTICATED;
          break;
        case 403:
          code = Status.Code.PERMISSION_DENIED;
          break;
        case 404:
          code = Status.Code.UNIMPLEMENTED;
          break;
        case 429:
        case 502:
        case 503:
        case 504:
          code = Status.Code.UNAVAILABLE;
          break;
        default:
          code = Status.Code.UNKNOWN;
      }
    }
    return Status.fromCode(code).withDescription("fault injected by the mesh (x-skein-fault: abort)");
  }
}
