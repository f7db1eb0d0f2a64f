package dev.skein.core.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skein.bootstrap.SlotWaiter;
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
