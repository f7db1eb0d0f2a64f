package dev.skein.core.resilience;

import dev.skein.bootstrap.AgentFaults;
import dev.skein.bootstrap.SlotWaiter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The tries in flight to one endpoint under a DestinationPolicy's {@code maxRequestsPerEndpoint},
 * with the FIFO of tries waiting for a slot: a try that ends hands its slot to the oldest waiter
 * (Envoy's pending-request queue). Kept across snapshots with the endpoint's health.
 *
 * <p>Taking a free slot is one compare-and-set, without a lock; the lock is taken only to queue,
 * to cancel, and to hand a slot over while someone waits. A waiter is granted outside the lock,
 * on the thread that freed the slot.
 */
public final class EndpointSlots {
  /** {@link #acquire} answers. */
  public static final int TAKEN = 0;
  public static final int QUEUED = 1;
  public static final int OVERFLOW = 2;

  private final AtomicInteger inUse = new AtomicInteger();
  // Tries queued or about to queue: read without the lock by release() and by the fast path, which
  // never jumps the queue.
  private final AtomicInteger waiting = new AtomicInteger();
  private final ArrayDeque<Pending> queue = new ArrayDeque<>(); // guarded by this

  /** Slots taken now. */
  public int inUse() {
    return inUse.get();
  }

  /** Tries waiting for a slot now. */
  public int waiting() {
    return waiting.get();
  }

  /** Whether a try could take a slot now under {@code limit}. */
  public boolean hasFree(int limit) {
    return inUse.get() < limit && waiting.get() == 0;
  }

  /** Takes a slot if one is free and nobody waits: never blocks, never allocates. */
  public boolean tryAcquire(int limit) {
    return waiting.get() == 0 && takeBelow(limit);
  }

  /**
   * Takes a slot, or queues {@code waiter} for one.
   *
   * @param pending the destination's count of queued tries, shared by its endpoints
   * @param maxPending past this many queued tries of the destination, refuse
   * @return {@link #TAKEN}, {@link #QUEUED} (the waiter will be granted, unless cancelled) or {@link #OVERFLOW}
   */
  public int acquire(int limit, SlotWaiter waiter, AtomicInteger pending, int maxPending) {
    if (tryAcquire(limit)) {
      return TAKEN;
    }
    Pending self = new Pending(waiter, limit, pending);
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
    return mine ? TAKEN : QUEUED;
  }

  /** Gives a slot back; the oldest waiter that fits under its limit gets it, on this thread. */
  public void release() {
    int n;
    do {
      n = inUse.get();
      if (n <= 0) {
        break; // never below zero, whatever went wrong before
      }
    } while (!inUse.compareAndSet(n, n - 1));
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

  private boolean takeBelow(int limit) {
    int n;
    do {
      n = inUse.get();
      if (n >= limit) {
        return false;
      }
    } while (!inUse.compareAndSet(n, n + 1));
    return true;
  }

  /**
   * Hands free slots to the waiters at the head of the queue, in order; each waiter carries the
   * limit in force when it queued (a policy change applies to the tries that queue after it).
   */
  private List<Pending> drainLocked() {
    List<Pending> granted = null;
    while (!queue.isEmpty()) {
      Pending head = queue.peekFirst();
      if (!takeBelow(head.limit)) {
        break;
      }
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
    try {
      p.waiter.granted();
    } catch (Throwable t) {
      // A waiter that failed may never give its slot back: a leaked slot would stall the queue,
      // one given back twice only lets a try more through (the count never goes below zero).
      AgentFaults.record("slot-granted", t);
      release();
    }
  }

  private static final class Pending {
    final SlotWaiter waiter;
    final int limit;
    final AtomicInteger pending;

    Pending(SlotWaiter waiter, int limit, AtomicInteger pending) {
      this.waiter = waiter;
      this.limit = limit;
      this.pending = pending;
    }
  }
}
