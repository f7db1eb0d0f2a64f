package dev.skein.core.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skein.api.ConnectionPool;
import dev.skein.api.Endpoint;
import dev.skein.api.LbPolicy;
import dev.skein.bootstrap.CallControl;
import dev.skein.bootstrap.CallPolicy;
import dev.skein.bootstrap.ClientCalls;
import dev.skein.bootstrap.ClientExchange;
import dev.skein.bootstrap.MeshCall;
import dev.skein.bootstrap.OutboundRoute;
import dev.skein.bootstrap.SlotWaiter;
import dev.skein.core.routing.EndpointGroup;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code maxRequestsPerEndpoint} and {@code maxPendingRequests} on the shared call path, with the
 * engine's endpoint group and guard: tries wait instead of failing, a finished try starts the
 * next on its own thread, the slot comes back on every path.
 */
class EndpointLimitCallTest {
  private static final CallPolicy NONE = new CallPolicy(0, 0, null, 0, 0, 0, 0, 0, "");

  private static EndpointGroup group(int perEndpoint, int pending, int endpoints) {
    List<Endpoint> list = new ArrayList<>();
    for (int i = 0; i < endpoints; i++) {
      list.add(new Endpoint("127.0.0." + (i + 1), 1000 + i, "http", Map.of()));
    }
    DestinationGuard guard = new DestinationGuard(new ConnectionPool(0, perEndpoint, pending), null, "test");
    return new EndpointGroup("default/orders", null, list, null, guard, LbPolicy.ROUND_ROBIN, null);
  }

  private static MeshCall call(EndpointGroup group, CallPolicy policy) {
    int i = group.pick(dev.skein.bootstrap.HeaderLookup.NONE);
    Endpoint e = group.endpoint(i);
    return new MeshCall(new OutboundRoute(e.address(), e.port(), "default/orders", null, null, policy, group.control(i)), "GET", 0, true, null);
  }

  /** Async tries held open until the test completes them; records the thread each try starts on. */
  static class HeldAsync implements ClientExchange<Integer> {
    final List<CompletableFuture<Integer>> open = new CopyOnWriteArrayList<>();
    final List<String> startedOn = new CopyOnWriteArrayList<>();
    final List<String> endpoints = new CopyOnWriteArrayList<>();

    @Override
    public CompletableFuture<Integer> sendAsync(OutboundRoute endpoint, long perTryMillis) {
      CompletableFuture<Integer> f = new CompletableFuture<>();
      startedOn.add(Thread.currentThread().getName());
      endpoints.add(endpoint.authority());
      open.add(f);
      return f;
    }

    @Override
    public Integer send(OutboundRoute endpoint, long perTryMillis) throws IOException {
      return sendAsync(endpoint, perTryMillis).join();
    }

    @Override
    public int status(Integer response) {
      return response;
    }

    @Override
    public void discard(Integer response) {}

    @Override
    public Integer synthetic(int status, String header, String value) {
      assertThat(header).isEqualTo(ClientCalls.REFUSED_HEADER);
      assertThat(value).isEqualTo("pending-overflow");
      return -status;
    }

    @Override
    public IOException timeout() {
      return new SocketTimeoutException("timed out");
    }
  }

  @Test
  void asyncTriesWaitForASlotAndStartOnTheThreadThatFreedIt() throws Exception {
    EndpointGroup group = group(2, 3, 1);
    HeldAsync exchange = new HeldAsync();
    List<CompletableFuture<Integer>> results = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      results.add(ClientCalls.executeAsync(call(group, NONE), exchange));
    }
    // two sent, three waiting, two refused at once past maxPendingRequests
    assertThat(exchange.open).hasSize(2);
    assertThat(results.subList(5, 7)).allSatisfy(f -> assertThat(f.getNow(0)).isEqualTo(-503));
    assertThat(group.guard().pending()).isEqualTo(3);

    Thread library = new Thread(() -> exchange.open.get(0).complete(200), "library-io");
    library.start();
    library.join();
    assertThat(exchange.open).hasSize(3);
    assertThat(exchange.startedOn.get(2)).isEqualTo("library-io"); // no thread hop
    for (int i = 1; i < 5; i++) {
      exchange.open.get(i).complete(200);
    }
    for (int i = 0; i < 5; i++) {
      assertThat(results.get(i).get(1, TimeUnit.SECONDS)).isEqualTo(200);
    }
    assertThat(group.health(0).slots().inUse()).isZero();
    assertThat(group.guard().pending()).isZero();
  }

  @Test
  void aBurstOnAColdEndpointOpensTwoConnectionsAtOnceAndDrainsOnTheEstablishedOnes() throws Exception {
    // the bench's pool: 16 per endpoint, 500 pending; 40 calls at once, nothing connected yet
    EndpointGroup group = group(16, 500, 1);
    HeldAsync exchange = new HeldAsync();
    List<CompletableFuture<Integer>> results = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      results.add(ClientCalls.executeAsync(call(group, NONE), exchange));
    }
    EndpointSlots slots = group.health(0).slots();
    assertThat(exchange.open).hasSize(2); // two handshakes, not sixteen
    assertThat(slots.opening()).isEqualTo(2);
    assertThat(group.guard().pending()).isEqualTo(38);

    // each answer frees an established connection for the next waiter, on the answering thread;
    // answers to opening tries add connections; never more opening at once than half of those (two at least)
    for (int done = 0; done < 40; done++) {
      exchange.open.get(done).complete(200);
      assertThat(slots.opening()).isLessThanOrEqualTo(Math.max(2, slots.warm() / 2));
      assertThat(slots.inUse()).isLessThanOrEqualTo(16);
    }
    for (CompletableFuture<Integer> result : results) {
      assertThat(result.get(1, TimeUnit.SECONDS)).isEqualTo(200);
    }
    assertThat(exchange.open).hasSize(40);
    assertThat(slots.inUse()).isZero();
    assertThat(slots.opening()).isZero();
    assertThat(group.guard().pending()).isZero();
    assertThat(slots.warm()).isBetween(3, 16);

    // established now: a burst of 16 goes at once
    int warm = slots.warm();
    for (int i = 0; i < warm; i++) {
      ClientCalls.executeAsync(call(group, NONE), exchange);
    }
    assertThat(exchange.open).hasSize(40 + warm);
    assertThat(slots.opening()).isZero();
  }

  @Test
  void aFailedTryGivesItsSlotBackToo() throws Exception {
    EndpointGroup group = group(1, 10, 1);
    HeldAsync exchange = new HeldAsync();
    CompletableFuture<Integer> first = ClientCalls.executeAsync(call(group, NONE), exchange);
    CompletableFuture<Integer> second = ClientCalls.executeAsync(call(group, NONE), exchange);
    exchange.open.get(0).completeExceptionally(new java.net.ConnectException("refused"));
    assertThat(first).isCompletedExceptionally();
    exchange.open.get(1).complete(200);
    assertThat(second.get(1, TimeUnit.SECONDS)).isEqualTo(200);
    assertThat(group.health(0).slots().inUse()).isZero();
  }

  @Test
  void aPickSkipsAFullEndpointWhileAnotherHasAFreeSlot() {
    EndpointGroup group = group(1, 10, 2);
    assertThat(group.health(0).slots().tryAcquire(1)).isTrue();
    for (int i = 0; i < 4; i++) {
      assertThat(group.pick(dev.skein.bootstrap.HeaderLookup.NONE)).isEqualTo(1);
    }
    assertThat(group.health(1).slots().tryAcquire(1)).isTrue();
    // every endpoint full: round robin as before, the try waits where it was sent
    assertThat(List.of(group.pick(dev.skein.bootstrap.HeaderLookup.NONE), group.pick(dev.skein.bootstrap.HeaderLookup.NONE)))
        .containsExactlyInAnyOrder(0, 1);
  }

  @Test
  void blockedCallersWaitForASlot() throws Exception {
    EndpointGroup group = group(1, 10, 2);
    HeldAsync exchange = new HeldAsync();
    List<Integer> answers = new CopyOnWriteArrayList<>();
    List<Thread> callers = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      Thread caller =
          new Thread(
              () -> {
                try {
                  answers.add(ClientCalls.execute(call(group, NONE), exchange));
                } catch (IOException e) {
                  throw new AssertionError(e);
                }
              });
      callers.add(caller);
      caller.start();
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (exchange.open.size() < Math.min(i + 1, 2) && System.nanoTime() < until) {
        Thread.sleep(5);
      }
    }
    // one try on each endpoint; the third caller waits
    assertThat(exchange.endpoints).containsExactlyInAnyOrder("127.0.0.1:1000", "127.0.0.2:1001");
    Thread.sleep(100);
    assertThat(exchange.open).hasSize(2);
    exchange.open.get(0).complete(200);
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (exchange.open.size() < 3 && System.nanoTime() < until) {
      Thread.sleep(5);
    }
    assertThat(exchange.open).hasSize(3);
    exchange.open.get(1).complete(200);
    exchange.open.get(2).complete(200);
    for (Thread caller : callers) {
      caller.join(5_000);
    }
    assertThat(answers).containsExactly(200, 200, 200);
    assertThat(group.health(0).slots().inUse() + group.health(1).slots().inUse()).isZero();
  }

  @Test
  void aWaitEndsAtTheCallsDeadlineWithTheLibrarysTimeoutAndLeaksNoSlot() throws Exception {
    EndpointGroup group = group(1, 10, 1);
    CallPolicy timeout = new CallPolicy(0, 0, null, 0, 0, 0, 0, 150, "");
    HeldAsync exchange = new HeldAsync();
    CompletableFuture<Integer> holder = ClientCalls.executeAsync(call(group, NONE), exchange);
    long start = System.nanoTime();
    assertThatThrownBy(() -> ClientCalls.execute(call(group, timeout), exchange)).isInstanceOf(SocketTimeoutException.class);
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isBetween(100L, 3_000L);
    CompletableFuture<Integer> async = ClientCalls.executeAsync(call(group, timeout), exchange);
    assertThatThrownBy(() -> async.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(SocketTimeoutException.class);
    assertThat(group.guard().pending()).isZero();
    exchange.open.get(0).complete(200);
    assertThat(holder.get()).isEqualTo(200);
    assertThat(exchange.open).hasSize(1); // the timed-out calls never left
    assertThat(group.health(0).slots().inUse()).isZero();
    assertThat(group.health(0).slots().tryAcquire(1)).isTrue();
  }

  @Test
  void aTryThatThrowsGivesItsSlotBack() {
    EndpointGroup group = group(1, 10, 1);
    HeldAsync throwing =
        new HeldAsync() {
          @Override
          public Integer send(OutboundRoute endpoint, long perTryMillis) {
            throw new IllegalStateException("library bug");
          }
        };
    assertThatThrownBy(() -> ClientCalls.execute(call(group, NONE), throwing)).isInstanceOf(IllegalStateException.class);
    assertThat(group.health(0).slots().inUse()).isZero();
  }

  @Test
  void aLimiterFaultLetsTheTryThrough() throws Exception {
    CallControl faulty =
        new CallControl() {
          @Override
          public String acquire(SlotWaiter waiter) {
            throw new IllegalStateException("limiter bug");
          }

          @Override
          public void release() {
            throw new IllegalStateException("limiter bug");
          }

          @Override
          public String admit() {
            return null;
          }

          @Override
          public void finished(int status, long durationNanos) {}

          @Override
          public boolean tryRetry() {
            return true;
          }

          @Override
          public OutboundRoute reroute(OutboundRoute previous) {
            return previous;
          }
        };
    HeldAsync exchange = new HeldAsync();
    MeshCall call = new MeshCall(new OutboundRoute("127.0.0.1", 1, "default/orders", null, null, NONE, faulty), "GET", 0, true, null);
    CompletableFuture<Integer> result = ClientCalls.executeAsync(call, exchange);
    exchange.open.get(0).complete(200);
    assertThat(result.get()).isEqualTo(200);
  }

  @Test
  void withoutTheLimitNothingWaits() {
    DestinationGuard guard = new DestinationGuard(new ConnectionPool(100), null, "test");
    EndpointGroup group =
        new EndpointGroup("default/orders", null, List.of(new Endpoint("127.0.0.1", 1, "http", Map.of())), null, guard, null, null);
    HeldAsync exchange = new HeldAsync();
    for (int i = 0; i < 20; i++) {
      ClientCalls.executeAsync(call(group, NONE), exchange);
    }
    assertThat(exchange.open).hasSize(20);
    assertThat(group.health(0).slots().inUse()).isZero();
  }
}
