package dev.skein.core.resilience;

import dev.skein.bootstrap.AgentFaults;
import dev.skein.bootstrap.SlotWaiter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The tries in flight to one endpoint under a DestinationPolicy's {@code maxRequestsPerEndpoint},
 * with the FIFO of tries waiting for a slot: a try that ends hands its slot to the oldest waiter
 * (Envoy's pending-request queue). Kept across snapshots with the endpoint's health.
 *
 * <p>Taking a free slot is one compare-and-set, without a lock; the lock is taken only to queue,
 * to cancel, and to hand a slot over while someone waits. A waiter is granted outside the lock,
 * on the thread that freed the slot.
 *
 * <p>Slow start. Envoy binds a pending request to whichever connection is ready first; a JDK,
 * OkHttp or Apache client binds a request to the connection it opens for it. Without more, a
 * burst (a pause of a few milliseconds at 1,000 requests/s) sends up to the limit at once, each
 * try beyond the idle connections opens a connection of its own (under mutual TLS a handshake,
 * milliseconds of CPU on each side, far more while the JIT is cold), the handshakes take the CPU,
 * every try slows down, and the queue overflows while the established connections could have
 * served it a millisecond a try. So the slots count the connections the client evidently holds
 * ({@link #warm()}: answers to tries that found every one of them busy, less the tries that failed
 * without an answer on one, which the client closes), and a try that finds them all busy
 * ("opening") goes only while fewer than {@code max(2, warm / 2)} others are opening; the rest
 * wait for a slot that frees on an established connection.
 */
public final class EndpointSlots {
  /** {@link #acquire} answers. */
  public static final int TAKEN = 0;
  public static final int QUEUED = 1;
  public static final int OVERFLOW = 2;
  /** {@link #acquire} answer: taken by an opening try, which ends with {@link #release(boolean, int)}. */
  public static final int OPENING = 3;

  /** Opening tries that may go at once, at least. */
  static final int MIN_OPENING = 2;

  /** Without an answer for this long, a server has likely closed the idle connections (JDK HttpServer: 30 s, Tomcat: 20 s). */
  static final long IDLE_NANOS = 20_000_000_000L;

  private static final long ONE_OPENING = 1L << 32;
  private static final int NONE = -1;

  // Slots taken (low 32 bits) and how many of them by opening tries (high 32 bits): one CAS.
  private final AtomicLong state = new AtomicLong();
  // Tries queued or about to queue: read without the lock by release() and by the fast path, which
  // never jumps the queue.
  private final AtomicInteger waiting = new AtomicInteger();
  private final ArrayDeque<Pending> queue = new ArrayDeque<>(); // guarded by this
  // Connections the client evidently holds to the endpoint (see the class comment).
  private final AtomicInteger warm = new AtomicInteger();
  private volatile long lastAnswerNanos = System.nanoTime();

  /** Slots taken now. */
  public int inUse() {
    return (int) state.get();
  }

  /** Slots taken now by opening tries. */
  public int opening() {
    return (int) (state.get() >>> 32);
  }

  /** Tries waiting for a slot now. */
  public int waiting() {
    return waiting.get();
  }

  /** Connections the client evidently holds to the endpoint. */
  public int warm() {
    return warm.get();
  }

  /** Whether a try could take a slot now under {@code limit} (and slow start, for the tries under it). */
  public boolean hasFree(int limit) {
    return waiting.get() == 0 && kindBelow(state.get(), limit, currentWarm(), true) != NONE;
  }

  /** Takes a slot if one is free and nobody waits, without slow start: never blocks, never allocates. */
  public boolean tryAcquire(int limit) {
    return tryTake(limit, false) != OVERFLOW;
  }

  /**
   * Takes a slot if one is free and nobody waits.
   *
   * @param slowStart whether the try is one of a client that binds it to a connection it opens
   *     for it (see the class comment); such a try ends with {@link #release(boolean, int)}
   * @return {@link #TAKEN}, {@link #OPENING} (under slow start) or {@link #OVERFLOW} (none free)
   */
  public int tryTake(int limit, boolean slowStart) {
    if (waiting.get() != 0) {
      return OVERFLOW;
    }
    int taken = take(limit, slowStart);
    return taken == NONE ? OVERFLOW : taken;
  }

  /**
   * Takes a slot, or queues {@code waiter} for one.
   *
   * @param pending the destination's count of queued tries, shared by its endpoints
   * @param maxPending past this many queued tries of the destination, refuse
   * @return {@link #TAKEN}, {@link #QUEUED} (the waiter will be granted, unless cancelled) or {@link #OVERFLOW}
   */
  public int acquire(int limit, SlotWaiter waiter, AtomicInteger pending, int maxPending) {
    return acquire(limit, waiter, pending, maxPending, false);
  }

  /**
   * As {@link #acquire(int, SlotWaiter, AtomicInteger, int)}, under slow start if {@code slowStart}
   * (see {@link #tryTake}): then also {@link #OPENING} (taken), and the waiter is granted with
   * {@link SlotWaiter#granted(boolean)}.
   */
  public int acquire(int limit, SlotWaiter waiter, AtomicInteger pending, int maxPending, boolean slowStart) {
    int taken = tryTake(limit, slowStart);
    if (taken != OVERFLOW) {
      return taken;
    }
    Pending self = new Pending(waiter, limit, pending, slowStart);
    List<Pending> granted;
    synchronized (this) {
      // Announced before the re-check: a release() between tryAcquire and here has either freed
      // its slot before the re-check below sees it, or sees waiting > 0 and drains under this lock.
      waiting.incrementAndGet();
      if (pending.incrementAndGet() > maxPending) {
        pending.decrementAndGet();
        waiting.decrementAndGet();
        return OVERFLOW;
      }
      queue.addLast(self);
      granted = drainLocked();
    }
    boolean mine = false;
    if (granted != null) {
      for (Pending p : granted) {
        if (p == self) {
          mine = true;
        } else {
          grant(p);
        }
      }
    }
    return !mine ? QUEUED : self.kind;
  }

  /** Gives a slot back, taken by a try that was not an opening one, with nothing learnt about its connection. */
  public void release() {
    release(false, -1);
  }

  /**
   * Gives back the slot of a try; the oldest waiter that fits under its limit gets it, on this thread.
   *
   * @param opening whether the try took it as an opening one
   * @param status the try's HTTP status, 0 when it failed without one, -1 when it was not sent or
   *     nothing is known: an answer to an opening try proves one more connection; a try on an
   *     established connection that failed without an answer (a timeout, a reset) has likely closed it
   */
  public void release(boolean opening, int status) {
    if (status > 0) {
      lastAnswerNanos = System.nanoTime();
      if (opening) {
        warm.incrementAndGet(); // before the slot frees: the next try finds this connection idle
      }
    } else if (status == 0 && !opening) {
      warm.getAndUpdate(w -> Math.max(0, w - 1));
    }
    long s;
    long next;
    do {
      s = state.get();
      int inUse = (int) s;
      if (inUse <= 0) {
        return; // never below zero, whatever went wrong before
      }
      next = s - 1 - (opening && (s >>> 32) > 0 ? ONE_OPENING : 0);
    } while (!state.compareAndSet(s, next));
    if (waiting.get() == 0) {
      return;
    }
    List<Pending> granted;
    synchronized (this) {
      granted = drainLocked();
    }
    if (granted != null) {
      for (Pending p : granted) {
        grant(p);
      }
    }
  }

  /**
   * Takes a waiter out of the queue.
   *
   * @return {@code true} when it was queued and now never will be granted
   */
  public boolean cancel(SlotWaiter waiter) {
    synchronized (this) {
      for (Iterator<Pending> it = queue.iterator(); it.hasNext(); ) {
        Pending p = it.next();
        if (p.waiter == waiter) {
          it.remove();
          waiting.decrementAndGet();
          p.pending.decrementAndGet();
          return true;
        }
      }
    }
    return false;
  }

  /** {@link #warm}, forgotten after {@link #IDLE_NANOS} without an answer. */
  private int currentWarm() {
    int w = warm.get();
    if (w > 0 && System.nanoTime() - lastAnswerNanos > IDLE_NANOS) {
      warm.set(w = 0); // a race may lose an update: an estimate, which grows back with the answers
    }
    return w;
  }

  /** What a try taking a slot in {@code s} would be: {@link #TAKEN}, {@link #OPENING}, or {@link #NONE} (it may not). */
  private static int kindBelow(long s, int limit, int warm, boolean slowStart) {
    int inUse = (int) s;
    int opening = (int) (s >>> 32);
    if (inUse >= limit) {
      return NONE;
    }
    if (!slowStart || inUse - opening < warm) {
      return TAKEN; // an established connection is idle
    }
    return opening < Math.max(MIN_OPENING, warm / 2) ? OPENING : NONE;
  }

  /** Takes a slot under {@code limit} and slow start: {@link #TAKEN}, {@link #OPENING} or {@link #NONE}. */
  private int take(int limit, boolean slowStart) {
    int w = slowStart ? currentWarm() : 0;
    long s;
    int kind;
    do {
      s = state.get();
      kind = kindBelow(s, limit, w, slowStart);
      if (kind == NONE) {
        return NONE;
      }
    } while (!state.compareAndSet(s, s + 1 + (kind == OPENING ? ONE_OPENING : 0)));
    return kind;
  }

  /**
   * Hands free slots to the waiters at the head of the queue, in order; each waiter carries the
   * limit in force when it queued (a policy change applies to the tries that queue after it).
   */
  private List<Pending> drainLocked() {
    List<Pending> granted = null;
    while (!queue.isEmpty()) {
      Pending head = queue.peekFirst();
      int kind = take(head.limit, head.slowStart);
      if (kind == NONE) {
        break;
      }
      head.kind = kind;
      queue.pollFirst();
      waiting.decrementAndGet();
      head.pending.decrementAndGet();
      if (granted == null) {
        granted = new ArrayList<>(2);
      }
      granted.add(head);
    }
    return granted;
  }

  private void grant(Pending p) {
    boolean opening = p.kind == OPENING;
    try {
      if (p.slowStart) {
        p.waiter.granted(opening);
      } else {
        p.waiter.granted();
      }
    } catch (Throwable t) {
      // A waiter that failed may never give its slot back: a leaked slot would stall the queue,
      // one given back twice only lets a try more through (the count never goes below zero).
      AgentFaults.record("slot-granted", t);
      release(opening, -1);
    }
  }

  private static final class Pending {
    final SlotWaiter waiter;
    final int limit;
    final AtomicInteger pending;
    final boolean slowStart;
    int kind; // TAKEN or OPENING, set under the lock before the grant

    Pending(SlotWaiter waiter, int limit, AtomicInteger pending, boolean slowStart) {
      this.waiter = waiter;
      this.limit = limit;
      this.pending = pending;
      this.slowStart = slowStart;
    }
  }
}
