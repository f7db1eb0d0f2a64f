package dev.skein.instrumentation.grpc.mesh;

import dev.skein.bootstrap.OutboundRoute;
import io.grpc.ClientStreamTracer;
import io.grpc.Metadata;
import io.grpc.Status;

/**
 * Reports one call's stream to the engine: counted in flight from its creation (LEAST_REQUEST)
 * to its close, whose status feeds outlier detection as the HTTP status it stands for; holds a
 * slot on its endpoint under {@code maxRequestsPerEndpoint} from creation to close.
 */
final class MeshStreamTracer extends ClientStreamTracer {
  private final OutboundRoute route;
  private final long start = System.nanoTime();
  private final boolean holdsSlot;

  MeshStreamTracer(OutboundRoute route, boolean holdsSlot) {
    this.route = route;
    this.holdsSlot = holdsSlot;
  }

  @Override
  public void streamClosed(Status status) {
    route.finished(httpStatus(status.getCode()), System.nanoTime() - start);
    if (holdsSlot) {
      route.release();
    }
  }

  /** The HTTP status a gRPC code stands for, as outlier detection reads it (5xx: server trouble). */
  static int httpStatus(Status.Code code) {
    // An if chain, not a switch: a switch on an enum compiles to an extra synthetic class that
    // the helper injector would have to know about.
    if (code == Status.Code.OK) {
      return 200;
    } else if (code == Status.Code.UNAVAILABLE) {
      return 503;
    } else if (code == Status.Code.DEADLINE_EXCEEDED) {
      return 504;
    } else if (code == Status.Code.INTERNAL || code == Status.Code.UNKNOWN || code == Status.Code.DATA_LOSS) {
      return 500;
    } else if (code == Status.Code.RESOURCE_EXHAUSTED) {
      return 429;
    }
    return 400;
  }

  /** One tracer per stream of a picked call. */
  static final class Factory extends ClientStreamTracer.Factory {
    private final OutboundRoute route;
    private final GrpcSlots.Waiter granted;

    /** @param granted the slot this call waited for and was granted, or {@code null} */
    Factory(OutboundRoute route, GrpcSlots.Waiter granted) {
      this.route = route;
      this.granted = granted;
    }

    @Override
    public ClientStreamTracer newClientStreamTracer(StreamInfo info, Metadata headers) {
      // Counted here, not at the pick: a pick can be dropped and picked again before any stream.
      route.admit();
      // The slot too: the one the pick took (or was granted), or, when it was given back after
      // the claim time, a free one (none free: the stream goes over the limit rather than wait
      // a second time).
      boolean holdsSlot = granted != null && granted.claim() || route.acquire(null) == null;
      return new MeshStreamTracer(route, holdsSlot);
    }
  }
}
