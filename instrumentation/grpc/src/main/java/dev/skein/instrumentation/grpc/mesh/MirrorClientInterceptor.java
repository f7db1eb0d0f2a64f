package dev.skein.instrumentation.grpc.mesh;

import dev.skein.bootstrap.AgentFaults;
import dev.skein.bootstrap.OutboundRoute;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.Deadline;
import io.grpc.ForwardingClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Route {@code mirror} for gRPC, on mesh channels: a copy of the call (its headers and request
 * messages) goes to the mirror endpoint on the same channel, fire-and-forget, its answer
 * discarded. Where the call goes is decided at the pick, after the call has started, so the pick
 * records the rolled mirror endpoint in the call's {@link Decision}; the copy leaves once both are
 * known: the mirror endpoint, and the call's last request message (its half-close). A copy is
 * picked straight to its endpoint ({@link #COPY_TO}): no routing, no slot, no breaker, no
 * statistics and no span of its own.
 */
final class MirrorClientInterceptor implements ClientInterceptor {
  /** On a mesh call's options: where the pick records the call's mirror endpoint. */
  static final CallOptions.Key<Decision> DECISION = CallOptions.Key.create("skein-mirror-decision");

  /** On a copy's options: the mirror endpoint the pick sends it to. */
  static final CallOptions.Key<OutboundRoute> COPY_TO = CallOptions.Key.create("skein-mirror-copy-to");

  /** A call that sends more request messages than this (a long client stream) is not copied. */
  static final int MAX_MESSAGES = 16;

  /** A copy without the call's own deadline gives up after this long. */
  static final long COPY_DEADLINE_SECONDS = 10;

  @Override
  public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(MethodDescriptor<ReqT, RespT> method, CallOptions options, Channel next) {
    if (options.getOption(COPY_TO) != null) {
      return next.newCall(method, options);
    }
    Decision decision = new Decision();
    CallOptions withDecision = options.withOption(DECISION, decision);
    MirroredCall<ReqT, RespT> call = new MirroredCall<>(next.newCall(method, withDecision), method, options, next, decision);
    decision.call = call;
    return call;
  }

  /**
   * One call's mirror: unknown until its pick, then an endpoint (with the headers the call was
   * picked with) or none. Thread-safe: the pick and the application's thread meet here.
   */
  static final class Decision extends AtomicInteger {
    private static final int DECIDED = 1;
    private static final int HALF_CLOSED = 2;
    private static final int SENT = 4;

    private volatile OutboundRoute mirror;
    private volatile Metadata headers;
    volatile MirroredCall<?, ?> call;

    /** At a pick that sends the call: its mirror endpoint, or {@code null}. The first pick decides. */
    void decide(OutboundRoute mirrorEndpoint, Metadata pickedHeaders) {
      if ((get() & DECIDED) != 0) {
        return;
      }
      if (mirrorEndpoint != null) {
        Metadata copy = new Metadata();
        copy.merge(pickedHeaders);
        headers = copy;
        mirror = mirrorEndpoint;
      }
      if ((getAndUpdate(s -> s | DECIDED) & HALF_CLOSED) != 0) {
        sendOnce();
      }
    }

    /** Whether a copy may still be wanted: undecided, or decided with a mirror endpoint. */
    boolean mayCopy() {
      return (get() & DECIDED) == 0 || mirror != null;
    }

    void halfClosed() {
      if ((getAndUpdate(s -> s | HALF_CLOSED) & DECIDED) != 0) {
        sendOnce();
      }
    }

    private void sendOnce() {
      if (mirror != null && (getAndUpdate(s -> s | SENT) & SENT) == 0) {
        MirroredCall<?, ?> c = call;
        if (c != null) {
          c.sendCopy(mirror, headers);
        }
      }
    }
  }

  /** The application's call, keeping its request messages until the mirror is known. */
  static final class MirroredCall<ReqT, RespT> extends ForwardingClientCall.SimpleForwardingClientCall<ReqT, RespT> {
    private final MethodDescriptor<ReqT, RespT> method;
    private final CallOptions options;
    private final Channel next;
    private final Decision decision;
    private List<ReqT> messages; // kept until the mirror is known
    private boolean uncopyable; // too many messages, cancelled, or decided without a mirror

    MirroredCall(ClientCall<ReqT, RespT> delegate, MethodDescriptor<ReqT, RespT> method, CallOptions options, Channel next, Decision decision) {
      super(delegate);
      this.method = method;
      this.options = options;
      this.next = next;
      this.decision = decision;
    }

    @Override
    public void sendMessage(ReqT message) {
      keep(message);
      super.sendMessage(message);
    }

    private synchronized void keep(ReqT message) {
      if (uncopyable) {
        return;
      }
      if (!decision.mayCopy() || messages != null && messages.size() >= MAX_MESSAGES) {
        uncopyable = true;
        messages = null;
        return;
      }
      if (messages == null) {
        messages = new ArrayList<>(1);
      }
      messages.add(message);
    }

    @Override
    public void halfClose() {
      super.halfClose();
      decision.halfClosed();
    }

    @Override
    public void cancel(String message, Throwable cause) {
      synchronized (this) {
        uncopyable = true; // a cancelled call is not copied
        messages = null;
      }
      super.cancel(message, cause);
    }

    /** Starts the copy on the channel, to the mirror endpoint; never throws, never waits. */
    void sendCopy(OutboundRoute mirror, Metadata headers) {
      List<ReqT> sent;
      synchronized (this) {
        if (uncopyable) {
          return;
        }
        sent = messages == null ? List.of() : messages;
        uncopyable = true;
        messages = null;
      }
      try {
        Deadline deadline = options.getDeadline() != null ? options.getDeadline() : Deadline.after(COPY_DEADLINE_SECONDS, TimeUnit.SECONDS);
        CallOptions copyOptions = CallOptions.DEFAULT.withDeadline(deadline).withOption(COPY_TO, mirror);
        if (options.getExecutor() != null) {
          copyOptions = copyOptions.withExecutor(options.getExecutor());
        }
        if (options.getCompressor() != null) {
          copyOptions = copyOptions.withCompression(options.getCompressor());
        }
        ClientCall<ReqT, RespT> copy = next.newCall(method, copyOptions);
        copy.start(new Discard<>(), headers);
        copy.request(Integer.MAX_VALUE);
        for (ReqT message : sent) {
          copy.sendMessage(message);
        }
        copy.halfClose();
      } catch (Throwable t) {
        AgentFaults.record("grpc-mirror", t);
      }
    }
  }

  /** The copy's answer, dropped. */
  static final class Discard<RespT> extends ClientCall.Listener<RespT> {}
}
