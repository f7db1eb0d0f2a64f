package dev.skein.bootstrap;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The one client call path: drives a {@link MeshCall} over a library's {@link ClientExchange},
 * blocking ({@link #execute}) or asynchronously ({@link #executeAsync}). In order: an injected
 * delay, an injected abort (nothing leaves), then tries, each admitted by the breaker and the
 * bulkhead (a refusal is a 503 with {@code x-skein-refused}), each under the per-try timeout,
 * each with its own attempt span, retried as {@link MeshCall#retryDelay} decides.
 *
 * <p>The async path completes on the library's threads: the next try starts from the previous
 * try's completion; only a backoff or an injected delay waits on a timer.
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
      String refusal = call.admit();
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
