package dev.skein.core.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skein.bootstrap.SlotWaiter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The per-endpoint limiter: slots, the FIFO hand-off, overflow, cancellation, no leak. */
class EndpointSlotsTest {
  private final EndpointSlots slots = new EndpointSlots();
  private final AtomicInteger pending = new AtomicInteger();
  private final List<String> granted = new ArrayList<>();

  private SlotWaiter waiter(String name) {
    return () -> granted.add(name);
  }

  @Test
  void takesUpToTheLimitThenQueuesAndHandsSlotsOverInOrder() {
    assertThat(slots.acquire(2, waiter("a"), pending, 10)).isEqualTo(EndpointSlots.TAKEN);
    assertThat(slots.tryAcquire(2)).isTrue();
    assertThat(slots.tryAcquire(2)).isFalse();
    for (String name : List.of("c", "d", "e")) {
      assertThat(slots.acquire(2, waiter(name), pending, 10)).isEqualTo(EndpointSlots.QUEUED);
    }
    assertThat(slots.waiting()).isEqualTo(3);
    assertThat(pending).hasValue(3);

    slots.release();
    assertThat(granted).containsExactly("c");
    assertThat(slots.inUse()).isEqualTo(2);
    slots.release();
    slots.release();
    assertThat(granted).containsExactly("c", "d", "e");
    assertThat(slots.inUse()).isEqualTo(2);
    assertThat(slots.waiting()).isZero();
    assertThat(pending).hasValue(0);

    slots.release();
    slots.release();
    assertThat(slots.inUse()).isZero();
  }

  @Test
  void aNewTryNeverJumpsTheQueue() {
    slots.acquire(1, waiter("a"), pending, 10);
    slots.acquire(1, waiter("b"), pending, 10);
    // a slot frees and goes to "b" at once; nothing is left for a newcomer
    slots.release();
    assertThat(granted).containsExactly("b");
    assertThat(slots.tryAcquire(1)).isFalse();
  }

  @Test
  void pastMaxPendingTheTryIsRefusedAndCountsNothing() {
    slots.acquire(1, waiter("a"), pending, 2);
    assertThat(slots.acquire(1, waiter("b"), pending, 2)).isEqualTo(EndpointSlots.QUEUED);
    assertThat(slots.acquire(1, waiter("c"), pending, 2)).isEqualTo(EndpointSlots.QUEUED);
    assertThat(slots.acquire(1, waiter("d"), pending, 2)).isEqualTo(EndpointSlots.OVERFLOW);
    assertThat(pending).hasValue(2);
    assertThat(slots.waiting()).isEqualTo(2);
    // the pending bound is the destination's: another endpoint sharing the counter is full too
    EndpointSlots other = new EndpointSlots();
    other.acquire(1, waiter("x"), pending, 2);
    assertThat(other.acquire(1, waiter("y"), pending, 2)).isEqualTo(EndpointSlots.OVERFLOW);
  }

  @Test
  void aCancelledWaiterIsNeverGrantedAndACancelAfterTheGrantSaysSo() {
    slots.acquire(1, waiter("a"), pending, 10);
    SlotWaiter b = waiter("b");
    SlotWaiter c = waiter("c");
    slots.acquire(1, b, pending, 10);
    slots.acquire(1, c, pending, 10);
    assertThat(slots.cancel(b)).isTrue();
    assertThat(pending).hasValue(1);
    slots.release();
    assertThat(granted).containsExactly("c");
    assertThat(slots.cancel(c)).isFalse(); // granted: it owns the slot and must release it
    slots.release();
    assertThat(slots.inUse()).isZero();
    assertThat(slots.waiting()).isZero();
  }

  @Test
  void aReleaseWithoutASlotNeverGoesBelowZero() {
    slots.release();
    assertThat(slots.inUse()).isZero();
    assertThat(slots.tryAcquire(1)).isTrue();
    assertThat(slots.tryAcquire(1)).isFalse();
  }

  @Test
  void aWaiterThatThrowsIsCountedAsAFaultAndTheQueueGoesOn() {
    slots.acquire(1, waiter("a"), pending, 10);
    slots.acquire(1, () -> { throw new IllegalStateException("boom"); }, pending, 10);
    slots.acquire(1, waiter("c"), pending, 10);
    slots.release(); // to the thrower, whose slot goes on to "c"
    assertThat(granted).containsExactly("c");
    assertThat(slots.inUse()).isEqualTo(1);
  }

  /** Opening tries that each get a response: the endpoint's client holds {@code n} connections. */
  private void warmUp(int n, int limit) {
    while (slots.warm() < n) {
      // n tries at once: those beyond the connections held so far open one each
      List<Integer> taken = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        int answer = slots.tryTake(limit, true);
        if (answer == EndpointSlots.OVERFLOW) {
          break;
        }
        taken.add(answer);
      }
      for (int answer : taken) {
        slots.release(answer == EndpointSlots.OPENING, 200);
      }
    }
    assertThat(slots.inUse()).isZero();
  }

  @Test
  void aColdEndpointOpensTwoConnectionsAtOnceAndTheOthersWaitForAnEstablishedOne() {
    // 20 tries at once against a limit of 16 and no connection yet: two go (each likely a new
    // connection, a TLS handshake), the rest wait instead of opening 14 more at once
    ArrayDeque<Boolean> inFlight = new ArrayDeque<>(); // whether each try in flight is an opening one
    List<Boolean> grants = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      assertThat(slots.acquire(16, waiter("first"), pending, 500, true)).isEqualTo(EndpointSlots.OPENING);
      inFlight.add(true);
    }
    for (int i = 0; i < 18; i++) {
      assertThat(slots.acquire(16, recording(grants, inFlight), pending, 500, true)).isEqualTo(EndpointSlots.QUEUED);
    }
    assertThat(slots.inUse()).isEqualTo(2);

    // the first answer: one connection established, the next try takes it, another opens one
    slots.release(inFlight.poll(), 200);
    assertThat(slots.warm()).isEqualTo(1);
    assertThat(grants).containsExactly(false, true);

    // tries end in order, each answered: never more than two opening at once
    while (!inFlight.isEmpty()) {
      slots.release(inFlight.poll(), 200);
      assertThat(slots.opening()).isLessThanOrEqualTo(2);
      assertThat(slots.inUse()).isLessThanOrEqualTo(16);
    }
    assertThat(grants).hasSize(18);
    assertThat(grants.stream().filter(o -> o).count()).isEqualTo(6); // 20 tries on 8 connections
    assertThat(slots.warm()).isEqualTo(8);
    assertThat(slots.inUse()).isZero();
    assertThat(slots.opening()).isZero();
    assertThat(pending).hasValue(0);
  }

  @Test
  void withHalfTheConnectionsBusyOpeningMoreGoesOnInParallel() {
    warmUp(8, 16);
    for (int i = 0; i < 8; i++) {
      assertThat(slots.tryTake(16, true)).isEqualTo(EndpointSlots.TAKEN);
    }
    // every connection busy: four (half of eight) may open one each
    for (int i = 0; i < 4; i++) {
      assertThat(slots.tryTake(16, true)).isEqualTo(EndpointSlots.OPENING);
    }
    assertThat(slots.tryTake(16, true)).isEqualTo(EndpointSlots.OVERFLOW);
    slots.release(false, 200); // an established connection is idle again: taken without opening
    assertThat(slots.tryTake(16, true)).isEqualTo(EndpointSlots.TAKEN);
  }

  /** A waiter that records whether it was granted as an opening try, and counts it in flight. */
  private static SlotWaiter recording(List<Boolean> grants, ArrayDeque<Boolean> inFlight) {
    return new SlotWaiter() {
      @Override
      public void granted() {
        throw new AssertionError("granted without saying whether the try opens a connection");
      }

      @Override
      public void granted(boolean opening) {
        grants.add(opening);
        inFlight.add(opening);
      }
    };
  }

  @Test
  void withoutSlowStartEverySlotGoesAtOnce() {
    // gRPC multiplexes its calls on one connection: its picker takes plain slots
    for (int i = 0; i < 16; i++) {
      assertThat(slots.tryTake(16, false)).isEqualTo(EndpointSlots.TAKEN);
    }
    assertThat(slots.tryTake(16, false)).isEqualTo(EndpointSlots.OVERFLOW);
    assertThat(slots.opening()).isZero();
  }

  @Test
  void anEstablishedEndpointTakesEverySlotAtOnce() {
    warmUp(16, 16);
    for (int i = 0; i < 16; i++) {
      assertThat(slots.tryTake(16, true)).isEqualTo(EndpointSlots.TAKEN);
    }
    assertThat(slots.tryTake(16, true)).isEqualTo(EndpointSlots.OVERFLOW);
  }

  @Test
  void aTryThatFailsWithoutAResponseCountsItsConnectionLost() {
    warmUp(4, 16);
    assertThat(slots.tryTake(16, true)).isEqualTo(EndpointSlots.TAKEN);
    slots.release(false, 0); // a timeout: the client closed the connection
    assertThat(slots.warm()).isEqualTo(3);
    assertThat(slots.tryTake(16, true)).isEqualTo(EndpointSlots.TAKEN);
    slots.release(false, 503); // a response: the connection stays
    assertThat(slots.warm()).isEqualTo(3);
    assertThat(slots.tryTake(16, true)).isEqualTo(EndpointSlots.TAKEN);
    slots.release(false, -1); // no outcome known (a refusal before sending): nothing learnt
    assertThat(slots.warm()).isEqualTo(3);
  }

  @Test
  void aBacklogDrainsOneTryPerFreedSlotInOrderAndLeaksNothing() {
    // the bench's shape: 16 slots on established connections, 500 waiting at most
    warmUp(16, 16);
    for (int i = 0; i < 16; i++) {
      assertThat(slots.acquire(16, waiter("held"), pending, 500, true)).isEqualTo(EndpointSlots.TAKEN);
    }
    granted.clear();
    for (int i = 0; i < 500; i++) {
      assertThat(slots.acquire(16, waiter("w" + i), pending, 500, true)).isEqualTo(EndpointSlots.QUEUED);
    }
    assertThat(slots.acquire(16, waiter("late"), pending, 500, true)).isEqualTo(EndpointSlots.OVERFLOW);
    for (int freed = 1; freed <= 500; freed++) {
      slots.release(false, 200);
      // every slot freed goes to the oldest waiter at once: the backlog drains as fast as tries end
      assertThat(granted).hasSize(freed);
      assertThat(granted.get(freed - 1)).isEqualTo("w" + (freed - 1));
      assertThat(slots.inUse()).isEqualTo(16);
      assertThat(pending).hasValue(500 - freed);
    }
    for (int i = 0; i < 16; i++) {
      slots.release(false, 200);
    }
    assertThat(slots.inUse()).isZero();
    assertThat(slots.waiting()).isZero();
    assertThat(pending).hasValue(0);
    assertThat(slots.warm()).isEqualTo(16);
  }

  @Test
  void underContentionNeverMoreThanTheLimitAndEveryWaiterServed() throws Exception {
    int limit = 3;
    int threads = 8;
    int rounds = 2_000;
    AtomicInteger concurrent = new AtomicInteger();
    AtomicInteger max = new AtomicInteger();
    AtomicInteger served = new AtomicInteger();
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Thread worker =
          new Thread(
              () -> {
                for (int r = 0; r < rounds; r++) {
                  CountDownLatch go = new CountDownLatch(1);
                  if (slots.acquire(limit, go::countDown, pending, Integer.MAX_VALUE) == EndpointSlots.TAKEN) {
                    go.countDown();
                  }
                  try {
                    assertThat(go.await(10, TimeUnit.SECONDS)).isTrue();
                  } catch (InterruptedException e) {
                    throw new AssertionError(e);
                  }
                  int now = concurrent.incrementAndGet();
                  max.accumulateAndGet(now, Math::max);
                  concurrent.decrementAndGet();
                  served.incrementAndGet();
                  slots.release();
                }
              });
      workers.add(worker);
      worker.start();
    }
    for (Thread worker : workers) {
      worker.join(60_000);
    }
    assertThat(served).hasValue(threads * rounds);
    assertThat(max.get()).isBetween(1, limit);
    assertThat(slots.inUse()).isZero();
    assertThat(slots.waiting()).isZero();
    assertThat(pending).hasValue(0);
  }
}
