package dev.skein.bootstrap;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The one client call path: drives a {@link MeshCall} over a library's {@link ClientExchange},
 * blocking ({@link #execute}) or asynchronously ({@link #executeAsync}). In order: an injected
 * delay, an injected abort (nothing leaves), then tries, each admitted by the breaker and the
 * bulkhead (a refusal is a 503 with {@code x-skein-refused}), each under the per-try timeout,
 * each first taking a slot on its endpoint under {@code maxRequestsPerEndpoint}, waiting in the
 * destination's queue while none is free (up to the call's deadline; past
 * {@code maxPendingRequests}, refused with {@code pending-overflow}),
 * each with its own attempt span, retried as {@link MeshCall#retryDelay} decides.
 *
 * <p>The async path completes on the library's threads: the next try starts from the previous
 * try's completion; only a backoff or an injected delay waits on a timer. A try waiting for a
 * slot is started by the thread that frees it (a library thread ending another try).
 */
public final class ClientCalls {
  /** Header on a response the mesh made itself because it refused the call. */
  public static final String REFUSED_HEADER = "x-skein-refused";

  /** Header on a response the mesh made itself as an injected fault. */
  public static final String FAULT_HEADER = "x-skein-fault";

  private ClientCalls() {}

  /** Runs the call on the caller's thread. */
  public static <R> R execute(MeshCall call, ClientExchange<R> exchange) throws IOException {
    long delay = call.faultDelayMillis();
    if (delay > 0) {
      Bridge.callFault(call.telemetry(), "delay", delay);
      try {
        Thread.sleep(delay);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted during an injected delay");
      }
    }
    int abort = call.faultAbortStatus();
    if (abort > 0) {
      Bridge.callFault(call.telemetry(), "abort", delay);
      return exchange.synthetic(abort, FAULT_HEADER, "abort");
    }
    while (true) {
      String refusal = awaitSlot(call);
      if (refusal == SLOT_WAIT_TIMED_OUT) {
        throw exchange.timeout();
      }
      refusal = refusal != null ? call.refused(refusal) : call.admit();
      if (refusal != null) {
        Bridge.attemptEnd(Bridge.attemptStart(call.telemetry(), call.attempt(), call.route()), 503, null, call.decision());
        return exchange.synthetic(503, REFUSED_HEADER, refusal);
      }
      Object span = Bridge.attemptStart(call.telemetry(), call.attempt(), call.route());
      R response = null;
      IOException failure = null;
      try {
        response = exchange.send(call.route(), call.perTryMillis());
      } catch (IOException e) {
        failure = e;
      } catch (RuntimeException | Error e) {
        call.finished(0);
        Bridge.attemptEnd(span, -1, e, null);
        throw e;
      }
      int status = response == null ? 0 : exchange.status(response);
      call.finished(status);
      long backoff = call.retryDelay(status, failure);
      Bridge.attemptEnd(span, response == null ? -1 : status, failure, call.decision());
      if (backoff == MeshCall.STOP) {
        if (failure != null) {
          throw failure;
        }
        return response;
      }
      if (response != null) {
        exchange.discard(response);
      }
      if (backoff == MeshCall.TIMED_OUT) {
        throw exchange.timeout();
      }
      if (backoff > 0) {
        try {
          Thread.sleep(backoff);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new InterruptedIOException("interrupted during a retry backoff");
        }
      }
    }
  }

  /** Runs the call asynchronously; the future completes as the library's own would. */
  public static <R> CompletableFuture<R> executeAsync(MeshCall call, ClientExchange<R> exchange) {
    CompletableFuture<R> result = new CompletableFuture<>();
    long delay = call.faultDelayMillis();
    if (delay > 0) {
      Bridge.callFault(call.telemetry(), "delay", delay);
      CompletableFuture.delayedExecutor(delay, TimeUnit.MILLISECONDS).execute(() -> begin(call, exchange, result));
    } else {
      begin(call, exchange, result);
    }
    return result;
  }

  private static <R> void begin(MeshCall call, ClientExchange<R> exchange, CompletableFuture<R> result) {
    try {
      int abort = call.faultAbortStatus();
      if (abort > 0) {
        Bridge.callFault(call.telemetry(), "abort", 0);
        result.complete(exchange.synthetic(abort, FAULT_HEADER, "abort"));
        return;
      }
      tryAsync(call, exchange, result);
    } catch (Throwable t) {
      result.completeExceptionally(t);
    }
  }

  private static <R> void tryAsync(MeshCall call, ClientExchange<R> exchange, CompletableFuture<R> result) {
    String slot = call.acquireSlot(null);
    if (slot == CallControl.FULL) {
      AsyncSlotWaiter<R> waiter = new AsyncSlotWaiter<>(call, exchange, result);
      slot = call.acquireSlot(waiter);
      if (slot == CallControl.QUEUED) {
        waiter.expireAtDeadline();
        return;
      }
    }
    if (slot != null) {
      call.refused(slot);
      Bridge.attemptEnd(Bridge.attemptStart(call.telemetry(), call.attempt(), call.route()), 503, null, call.decision());
      result.complete(exchange.synthetic(503, REFUSED_HEADER, slot));
      return;
    }
    sendTry(call, exchange, result);
  }

  /** One try whose endpoint slot (if any) is held: the breaker and the bulkhead, then the send. */
  private static <R> void sendTry(MeshCall call, ClientExchange<R> exchange, CompletableFuture<R> result) {
    String refusal = call.admit();
    if (refusal != null) {
      Bridge.attemptEnd(Bridge.attemptStart(call.telemetry(), call.attempt(), call.route()), 503, null, call.decision());
      result.complete(exchange.synthetic(503, REFUSED_HEADER, refusal));
      return;
    }
    Object span = Bridge.attemptStart(call.telemetry(), call.attempt(), call.route());
    CompletableFuture<R> attempt;
    try {
      attempt = exchange.sendAsync(call.route(), call.perTryMillis());
    } catch (Throwable t) {
      attempt = CompletableFuture.failedFuture(t);
    }
    attempt.whenComplete((response, thrown) -> afterTry(call, exchange, result, span, response, unwrap(thrown)));
  }

  private static <R> void afterTry(
      MeshCall call, ClientExchange<R> exchange, CompletableFuture<R> result, Object span, R response, Throwable failure) {
    try {
      int status = response == null ? 0 : exchange.status(response);
      call.finished(status);
      long backoff = call.retryDelay(status, failure);
      Bridge.attemptEnd(span, response == null ? -1 : status, failure, call.decision());
      if (backoff == MeshCall.STOP) {
        complete(result, response, failure);
        return;
      }
      if (response != null) {
        exchange.discard(response);
      }
      if (backoff == MeshCall.TIMED_OUT) {
        result.completeExceptionally(exchange.timeout());
      } else if (backoff == 0) {
        tryAsync(call, exchange, result);
      } else {
        CompletableFuture.delayedExecutor(backoff, TimeUnit.MILLISECONDS).execute(() -> retryAsync(call, exchange, result));
      }
    } catch (Throwable t) {
      // An agent fault: the application gets the try's own outcome.
      AgentFaults.record("client-call", t);
      complete(result, response, failure);
    }
  }

  // === waiting for an endpoint slot (maxRequestsPerEndpoint) ===

  /** {@link #awaitSlot} answer: the call's deadline passed while it waited. */
  public static final String SLOT_WAIT_TIMED_OUT = "slot-wait-timed-out";

  /**
   * Blocking: takes a slot on the try's endpoint, waiting on the caller's thread for one up to
   * the call's deadline (the per-try timer starts after). Also for a blocking library that drives
   * its own tries (HttpURLConnection), before {@link MeshCall#admit()}.
   *
   * @return {@code null} to go on (the slot, if any, is the call's until {@link MeshCall#finished}
   *     or {@link MeshCall#releaseSlot}), a refusal reason, or {@link #SLOT_WAIT_TIMED_OUT}
   */
  public static String awaitSlot(MeshCall call) throws InterruptedIOException {
    String slot = call.acquireSlot(null);
    if (slot != CallControl.FULL) {
      return slot;
    }
    ParkedSlotWaiter waiter = new ParkedSlotWaiter(call.route());
    slot = call.acquireSlot(waiter);
    if (slot != CallControl.QUEUED) {
      return slot;
    }
    long deadline = call.deadlineNanos();
    boolean interrupted = false;
    while (!waiter.isGranted()) {
      if (deadline == 0) {
        LockSupport.park(waiter);
      } else {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          break;
        }
        LockSupport.parkNanos(waiter, left);
      }
      if (Thread.interrupted()) {
        interrupted = true;
        break;
      }
    }
    if (waiter.abandon()) {
      call.cancelWait(waiter); // a waiter granted after all gives its slot back itself
    } else {
      call.slotGranted(waiter.opening);
      if (!interrupted) {
        return null;
      }
      call.releaseSlot();
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for a connection slot");
    }
    return SLOT_WAIT_TIMED_OUT;
  }

  /** A blocked caller waiting for a slot: granted or abandoned, whichever comes first. */
  private static final class ParkedSlotWaiter extends AtomicInteger implements SlotWaiter {
    private static final int WAITING = 0;
    private static final int GRANTED = 1;
    private static final int ABANDONED = 2;
    private final Thread thread = Thread.currentThread();
    private final OutboundRoute route;
    private volatile boolean opening;

    ParkedSlotWaiter(OutboundRoute route) {
      this.route = route;
    }

    @Override
    public void granted() {
      granted(false);
    }

    @Override
    public void granted(boolean opening) {
      this.opening = opening; // read by the caller after it sees GRANTED
      if (compareAndSet(WAITING, GRANTED)) {
        LockSupport.unpark(thread);
      } else {
        route.release(opening, -1); // the caller gave up: the slot goes on to the next waiter
      }
    }

    boolean isGranted() {
      return get() == GRANTED;
    }

    /** {@code true} when the caller gave up first; {@code false}: the slot is the caller's. */
    boolean abandon() {
      return compareAndSet(WAITING, ABANDONED);
    }
  }

  /**
   * An async try waiting for a slot: no thread blocks; the thread that frees the slot (a library
   * thread ending another try) starts this try; a timer ends the wait at the call's deadline.
   */
  private static final class AsyncSlotWaiter<R> extends AtomicInteger implements SlotWaiter, Runnable {
    private static final int WAITING = 0;
    private static final int GRANTED = 1;
    private static final int EXPIRED = 2;
    // Tries started by granted() nested on one thread: a try that completes at once (a refused
    // connect) frees its slot at once and would start the next one deeper on the same stack.
    private static final ThreadLocal<int[]> DEPTH = ThreadLocal.withInitial(() -> new int[1]);
    private static final int MAX_DEPTH = 8;
    private final MeshCall call;
    private final ClientExchange<R> exchange;
    private final CompletableFuture<R> result;
    private boolean opening;

    AsyncSlotWaiter(MeshCall call, ClientExchange<R> exchange, CompletableFuture<R> result) {
      this.call = call;
      this.exchange = exchange;
      this.result = result;
    }

    void expireAtDeadline() {
      long deadline = call.deadlineNanos();
      if (deadline != 0) {
        // The timer's own thread only looks: most waiters are granted long before, and the
        // default async executor (a new thread per task on a machine of 2 cores) would start a
        // thread for each of them, hundreds a second while a queue is long. An expiry completes
        // the application's future, so it runs on that executor.
        CompletableFuture.delayedExecutor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS, Runnable::run)
            .execute(
                () -> {
                  if (get() == WAITING) {
                    CompletableFuture.runAsync(this::expire);
                  }
                });
      }
    }

    private void expire() {
      if (compareAndSet(WAITING, EXPIRED)) {
        call.cancelWait(this); // granted after all: granted() gives the slot back
        result.completeExceptionally(exchange.timeout());
      }
    }

    @Override
    public void granted() {
      granted(false);
    }

    @Override
    public void granted(boolean opening) {
      if (!compareAndSet(WAITING, GRANTED)) {
        call.route().release(opening, -1);
        return;
      }
      this.opening = opening; // run() follows on this thread, or after the pool's hand-off
      int[] depth = DEPTH.get();
      if (depth[0] >= MAX_DEPTH) {
        ForkJoinPool.commonPool().execute(this);
        return;
      }
      depth[0]++;
      try {
        run();
      } finally {
        depth[0]--;
      }
    }

    /** Starts the granted try. */
    @Override
    public void run() {
      call.slotGranted(opening);
      if (result.isDone()) {
        call.releaseSlot(); // the application cancelled the call while it waited
        return;
      }
      try {
        sendTry(call, exchange, result);
      } catch (Throwable t) {
        call.releaseSlot();
        result.completeExceptionally(t);
      }
    }
  }

  private static <R> void retryAsync(MeshCall call, ClientExchange<R> exchange, CompletableFuture<R> result) {
    try {
      tryAsync(call, exchange, result);
    } catch (Throwable t) {
      result.completeExceptionally(t);
    }
  }

  private static <R> void complete(CompletableFuture<R> result, R response, Throwable failure) {
    if (failure != null) {
      result.completeExceptionally(failure);
    } else {
      result.complete(response);
    }
  }

  private static Throwable unwrap(Throwable t) {
    while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }
}
