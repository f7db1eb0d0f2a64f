package dev.skein.core.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skein.bootstrap.CallControl;
import dev.skein.bootstrap.CallPolicy;
import dev.skein.bootstrap.ClientCalls;
import dev.skein.bootstrap.ClientExchange;
import dev.skein.bootstrap.MeshCall;
import dev.skein.bootstrap.OutboundRoute;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The shared client call path's decisions, over a scripted exchange standing in for a library. */
class MeshCallTest {
  private static final CallPolicy RETRY_5XX = new CallPolicy(0, 0, null, 0, 0, 2, 0, 0, "5xx,connect-failure");

  /** Counts admissions and outcomes; a retry moves to a second endpoint. */
  static final class Control implements CallControl {
    final List<Integer> finished = new ArrayList<>();
    boolean budget = true;
    String refusal;
    OutboundRoute other;

    @Override
    public String admit() {
      return refusal;
    }

    @Override
    public void finished(int status, long durationNanos) {
      finished.add(status);
    }

    @Override
    public boolean tryRetry() {
      return budget;
    }

    @Override
    public OutboundRoute reroute(OutboundRoute previous) {
      return other;
    }
  }

  /** Answers the scripted statuses in turn (0 = connection refused), records the endpoints. */
  static final class Script implements ClientExchange<Integer> {
    final int[] statuses;
    final List<String> endpoints = new ArrayList<>();

    Script(int... statuses) {
      this.statuses = statuses;
    }

    @Override
    public Integer send(OutboundRoute endpoint, long perTryMillis) throws IOException {
      int status = statuses[endpoints.size()];
      endpoints.add(endpoint.authority());
      if (status == 0) {
        throw new ConnectException("refused");
      }
      return status;
    }

    @Override
    public int status(Integer response) {
      return response;
    }

    @Override
    public void discard(Integer response) {}

    @Override
    public Integer synthetic(int status, String header, String value) {
      return -status;
    }

    @Override
    public IOException timeout() {
      return new SocketTimeoutException("timeout");
    }
  }

  private static MeshCall call(CallPolicy policy, Control control, String method, long bodyLength) {
    OutboundRoute first = new OutboundRoute("127.0.0.1", 1001, "default/orders", "r", null, policy, control);
    control.other = new OutboundRoute("127.0.0.2", 1002, "default/orders", "r", null, policy, control);
    return new MeshCall(first, method, bodyLength, true, null);
  }

  @Test
  void aRetryGoesToAnotherEndpointAndHidesTheFailure() throws IOException {
    Control control = new Control();
    Script script = new Script(500, 200);
    MeshCall call = call(RETRY_5XX, control, "GET", 0);
    assertThat(ClientCalls.execute(call, script)).isEqualTo(200);
    assertThat(script.endpoints).containsExactly("127.0.0.1:1001", "127.0.0.2:1002");
    assertThat(control.finished).containsExactly(500, 200);
    assertThat(call.attempt()).isEqualTo(2);
  }

  @Test
  void attemptsBoundTheTries() throws IOException {
    Script script = new Script(500, 500, 500, 200);
    MeshCall call = call(RETRY_5XX, new Control(), "GET", 0);
    assertThat(ClientCalls.execute(call, script)).isEqualTo(500);
    assertThat(script.endpoints).hasSize(3);
    assertThat(call.decision()).isEqualTo("not-retried:attempts-exhausted");
  }

  @Test
  void aPostIsRetriedOnlyWhenItNeverConnected() throws IOException {
    MeshCall failed = call(RETRY_5XX, new Control(), "POST", 5);
    assertThat(ClientCalls.execute(failed, new Script(500, 200))).isEqualTo(500);
    assertThat(failed.decision()).isEqualTo("not-retried:non-idempotent");

    MeshCall refused = call(RETRY_5XX, new Control(), "POST", 5);
    assertThat(ClientCalls.execute(refused, new Script(0, 200))).isEqualTo(200);
  }

  @Test
  void aBodyOver64KiBIsNotRetriedAndTheDecisionSaysWhy() throws IOException {
    MeshCall call = call(RETRY_5XX, new Control(), "PUT", MeshCall.MAX_REPLAY_BYTES + 1);
    assertThat(ClientCalls.execute(call, new Script(500, 200))).isEqualTo(500);
    assertThat(call.decision()).isEqualTo("not-retried:body-over-64KiB");
  }

  @Test
  void aSpentBudgetStopsRetries() throws IOException {
    Control control = new Control();
    control.budget = false;
    MeshCall call = call(RETRY_5XX, control, "GET", 0);
    assertThat(ClientCalls.execute(call, new Script(500, 200))).isEqualTo(500);
    assertThat(call.decision()).isEqualTo("not-retried:budget-exhausted");
  }

  @Test
  void aRefusalIsAMeshMade503AndNothingIsSent() throws IOException {
    Control control = new Control();
    control.refusal = "circuit-open";
    Script script = new Script(200);
    MeshCall call = call(RETRY_5XX, control, "GET", 0);
    assertThat(ClientCalls.execute(call, script)).isEqualTo(-503);
    assertThat(script.endpoints).isEmpty();
    assertThat(call.decision()).isEqualTo("refused:circuit-open");
  }

  @Test
  void anAbortIsAnsweredBeforeAnythingLeaves() throws IOException {
    CallPolicy abort = new CallPolicy(100, 418, null, 0, 0, 0, 0, 0, null);
    Script script = new Script(200);
    assertThat(ClientCalls.execute(call(abort, new Control(), "GET", 0), script)).isEqualTo(-418);
    assertThat(script.endpoints).isEmpty();
  }

  @Test
  void theAsyncPathDecidesAlike() throws Exception {
    Script script = new Script(503, 200);
    ClientExchange<Integer> async =
        new ClientExchange<>() {
          @Override
          public java.util.concurrent.CompletableFuture<Integer> sendAsync(OutboundRoute endpoint, long perTryMillis) {
            try {
              return java.util.concurrent.CompletableFuture.completedFuture(script.send(endpoint, perTryMillis));
            } catch (IOException e) {
              return java.util.concurrent.CompletableFuture.failedFuture(e);
            }
          }

          @Override
          public int status(Integer response) {
            return response;
          }

          @Override
          public void discard(Integer response) {}

          @Override
          public Integer synthetic(int status, String header, String value) {
            return -status;
          }

          @Override
          public IOException timeout() {
            return new SocketTimeoutException();
          }
        };
    CallPolicy gatewayErrors = new CallPolicy(0, 0, null, 0, 0, 1, 0, 0, "gateway-error");
    assertThat(ClientCalls.executeAsync(call(gatewayErrors, new Control(), "GET", 0), async).get()).isEqualTo(200);
    assertThat(script.endpoints).containsExactly("127.0.0.1:1001", "127.0.0.2:1002");
  }
}
