package dev.skein.instrumentation.apachehttpclient5.mesh;

import dev.skein.bootstrap.ClientCalls;
import dev.skein.bootstrap.ClientExchange;
import dev.skein.bootstrap.MeshCall;
import dev.skein.bootstrap.OutboundRoute;
import dev.skein.bootstrap.instrumentation.apachehttpclient5.ApacheMeshTls;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.apache.hc.client5.http.HttpRoute;
import org.apache.hc.client5.http.async.AsyncExecCallback;
import org.apache.hc.client5.http.async.AsyncExecChain;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.protocol.HttpClientContext;
import org.apache.hc.core5.http.EntityDetails;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.http.HttpResponse;
import org.apache.hc.core5.http.nio.AsyncDataConsumer;
import org.apache.hc.core5.http.nio.AsyncEntityProducer;
import org.apache.hc.core5.http.support.BasicRequestBuilder;
import org.apache.hc.core5.util.Timeout;

/**
 * The tries of one async Apache request, for {@link ClientCalls#executeAsync}: a try is
 * {@code chain.proceed} of a copy of the request on a scope whose route names the try's endpoint,
 * under a response timeout of the per-try timeout.
 *
 * <p>The call path decides about a response as soon as its head arrives, on the I/O thread, before
 * its body is read: a response it keeps goes straight to the application's callback (the body
 * streams on to the application's consumer); one it throws away has its body read and dropped,
 * and its connection goes back to the pool before the next try starts. A try starts only once
 * the previous one is over, from the previous one's completion (no thread hop).
 */
final class AsyncTries implements ClientExchange<AsyncTries.Outcome> {
  /** One try's answer: a response head (or one the mesh made, with its body). */
  record Outcome(HttpResponse response, Try attempt, boolean synthetic, String body) {}

  private final HttpRequest request;
  private final AsyncEntityProducer producer;
  private final AsyncExecChain.Scope scope;
  private final AsyncExecChain chain;
  private final OutboundRoute first;
  private final AsyncExecCallback application;
  private final MeshCall call;
  private final MirroredBody mirrored;
  private volatile CompletableFuture<Void> previousOver = CompletableFuture.completedFuture(null);

  AsyncTries(
      HttpRequest request,
      AsyncEntityProducer producer,
      AsyncExecChain.Scope scope,
      AsyncExecChain chain,
      OutboundRoute first,
      AsyncExecCallback application,
      MeshCall call,
      MirroredBody mirrored) {
    this.call = call;
    this.mirrored = mirrored;
    this.request = request;
    this.producer = producer;
    this.scope = scope;
    this.chain = chain;
    this.first = first;
    this.application = application;
  }

  @Override
  public CompletableFuture<Outcome> sendAsync(OutboundRoute endpoint, long perTryMillis) {
    TryFuture future = new TryFuture();
    Try attempt = new Try(future);
    CompletableFuture<Void> previous = previousOver;
    previousOver = attempt.over;
    future.start = () -> previous.whenComplete((ignored, alsoIgnored) -> attempt.start(endpoint, perTryMillis));
    return future;
  }

  /** Before the call path decides about a try: whether its mirrored body can be sent again. */
  private void bodyForDecision() {
    if (mirrored != null) {
      call.body(mirrored.length(), mirrored.replayable());
    }
  }

  /** Runs {@code then} once the last try started is over (its connection released or discarded). */
  void afterLastTry(Runnable then) {
    previousOver.whenComplete((ignored, alsoIgnored) -> then.run());
  }

  @Override
  public int status(Outcome outcome) {
    return outcome.response().getCode();
  }

  @Override
  public void discard(Outcome outcome) {
    if (outcome.attempt() != null) {
      outcome.attempt().discarded = true;
    }
  }

  @Override
  public Outcome synthetic(int status, String header, String value) {
    return MeshAsyncExecHandler.synthetic(status, header, value);
  }

  @Override
  public IOException timeout() {
    return new SocketTimeoutException("Read timed out"); // what a response timeout fails with
  }

  /**
   * A try's future that starts the try only once the call path has registered its completion
   * handler on it, so that the call path decides about a response synchronously, on the I/O
   * thread, while the response's head is being handled.
   */
  static final class TryFuture extends CompletableFuture<Outcome> {
    volatile Runnable start;

    @Override
    public CompletableFuture<Outcome> whenComplete(BiConsumer<? super Outcome, ? super Throwable> action) {
      CompletableFuture<Outcome> next = super.whenComplete(action);
      Runnable s = start;
      start = null;
      if (s != null) {
        s.run();
      }
      return next;
    }
  }

  /** One try: the callback the rest of the chain reports to. */
  final class Try implements AsyncExecCallback {
    final CompletableFuture<Void> over = new CompletableFuture<>();
    private final CompletableFuture<Outcome> future;
    volatile boolean discarded;
    private boolean answered;
    private RequestConfig own;
    private boolean configChanged;
    private boolean finished;
    private volatile boolean timedOut;

    Try(CompletableFuture<Outcome> future) {
      this.future = future;
    }

    void start(OutboundRoute endpoint, long perTryMillis) {
      try {
        AsyncExecChain.Scope tryScope = scope;
        if (endpoint != first) {
          HttpRoute route = scope.route;
          String scheme = ApacheMeshTls.scheme(route.getTargetHost().getSchemeName(), endpoint, first);
          HttpHost target = new HttpHost(scheme, endpoint.address(), endpoint.port());
          tryScope =
              new AsyncExecChain.Scope(
                  scope.exchangeId,
                  new HttpRoute(target, route.getLocalAddress(), "https".equals(scheme)),
                  scope.originalRequest,
                  scope.cancellableDependency,
                  scope.clientContext,
                  scope.execRuntime,
                  scope.scheduler,
                  scope.execCount);
        }
        if (mirrored != null) {
          mirrored.rewind(); // a retry sends the copy of the body the first try sent
        }
        HttpClientContext context = scope.clientContext;
        own = context.getRequestConfig();
        if (perTryMillis > 0) {
          RequestConfig base = own == null ? RequestConfig.DEFAULT : own;
          Timeout ownTimeout = base.getResponseTimeout();
          if (ownTimeout == null || ownTimeout.isDisabled() || ownTimeout.toMilliseconds() > perTryMillis) {
            context.setRequestConfig(RequestConfig.copy(base).setResponseTimeout(Timeout.ofMilliseconds(perTryMillis)).build());
            configChanged = true;
          }
        }
        chain.proceed(BasicRequestBuilder.copy(request).build(), producer, tryScope, this);
        if (perTryMillis > 0) {
          // The I/O reactor checks socket timeouts about once a second: too coarse for a per-try timeout.
          CompletableFuture.delayedExecutor(perTryMillis, TimeUnit.MILLISECONDS).execute(this::timeUp);
        }
      } catch (Exception e) {
        failed(e);
      }
    }

    /**
     * The per-try timeout (or what is left of the overall one) passed: a try still waiting for its
     * response head loses its connection and ends here and now, with the library's own timeout
     * exception. It does not wait for the I/O reactor to report the closed connection (an idle
     * reactor looks only about once a second); whatever the reactor reports later is ignored.
     */
    private void timeUp() {
      synchronized (this) {
        if (finished || answered) {
          return;
        }
        timedOut = true;
        finished = true;
        // Under the lock, so that the next try cannot have taken an endpoint yet.
        scope.execRuntime.discardEndpoint();
      }
      restoreConfig();
      releaseBody();
      over.complete(null);
      bodyForDecision();
      future.completeExceptionally(timeout());
    }

    /** Marks the try over; false if it was over already (timed out), so the caller does nothing. */
    private synchronized boolean finish() {
      if (finished) {
        return false;
      }
      finished = true;
      return true;
    }

    @Override
    public AsyncDataConsumer handleResponse(HttpResponse response, EntityDetails details) throws HttpException, IOException {
      synchronized (this) {
        if (timedOut) {
          return new MeshAsyncExecHandler.Discarding(); // too late: the try is over
        }
        answered = true;
      }
      // The call path decides here and now: it has registered on the future before the try started.
      bodyForDecision();
      future.complete(new Outcome(response, this, false, null));
      if (discarded) {
        return new MeshAsyncExecHandler.Discarding();
      }
      return application.handleResponse(response, details);
    }

    @Override
    public void handleInformationResponse(HttpResponse response) throws HttpException, IOException {
      if (timedOut) {
        return;
      }
      application.handleInformationResponse(response);
    }

    @Override
    public void completed() {
      if (!finish()) {
        return;
      }
      restoreConfig();
      if (discarded) {
        scope.execRuntime.releaseEndpoint();
        releaseBody();
        over.complete(null);
      } else {
        over.complete(null);
        application.completed();
      }
    }

    @Override
    public void failed(Exception cause) {
      if (!finish()) {
        return; // timed out already; the runtime's endpoint may be the next try's now
      }
      restoreConfig();
      if (answered && !discarded) {
        over.complete(null);
        application.failed(cause); // the application already has the response head
        return;
      }
      // Before the next try (if any) starts: this connection is not fit for reuse.
      scope.execRuntime.discardEndpoint();
      releaseBody();
      over.complete(null);
      if (!answered) {
        bodyForDecision();
        future.completeExceptionally(cause);
      }
    }

    private void releaseBody() {
      if (producer != null) {
        producer.releaseResources(); // a repeatable body starts again from its beginning
      }
    }

    private void restoreConfig() {
      if (configChanged) {
        configChanged = false;
        scope.clientContext.setRequestConfig(own);
      }
    }
  }
}
