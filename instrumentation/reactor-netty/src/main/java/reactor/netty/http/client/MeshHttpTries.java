package reactor.netty.http.client;

import dev.skein.bootstrap.Bridge;
import dev.skein.bootstrap.ClientCalls;
import dev.skein.bootstrap.ClientExchange;
import dev.skein.bootstrap.MeshCall;
import dev.skein.bootstrap.OutboundRoute;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import javax.net.ssl.SSLContext;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.netty.Connection;
import reactor.util.context.Context;

/**
 * The tries of one Reactor Netty request, for {@link ClientCalls#executeAsync}: a try subscribes a
 * {@code MonoHttpConnect} of a copy of the request's configuration whose URL names the try's
 * endpoint (the {@code Host} header still names the service), with the mesh's headers (trace
 * context), a response timeout of at most the per-try timeout, and, to an endpoint that takes the
 * mesh's TLS, {@code https} with the mesh's TLS ({@link MeshHttpTls}). A try completes when its
 * response head arrives, on the connection's event loop.
 */
final class MeshHttpTries implements ClientExchange<Connection> {
  /** The overall timeout ran out between tries; the application sees Reactor Netty's own timeout. */
  static final class DeadlineExceeded extends SocketTimeoutException {
    DeadlineExceeded() {
      super("mesh timeout");
    }
  }

  private final HttpClientConfig config;
  private final URI uri;
  private final Map<String, String> inject;
  private final Context context;
  private final String hostHeader;
  private final MeshCall call;
  private final MeshHttpBody mirrored;
  private volatile TrySubscriber current;
  private volatile boolean cancelled;

  MeshHttpTries(HttpClientConfig config, URI uri, Map<String, String> inject, Context context) {
    this(config, uri, inject, context, null, null);
  }

  /** @param mirrored the request body a send callback writes, mirrored for a retry, or {@code null} */
  MeshHttpTries(HttpClientConfig config, URI uri, Map<String, String> inject, Context context, MeshCall call, MeshHttpBody mirrored) {
    this.call = call;
    this.mirrored = mirrored;
    this.config = config;
    this.uri = uri;
    this.inject = inject;
    this.context = context;
    this.hostHeader = uri.getPort() > 0 ? uri.getHost() + ":" + uri.getPort() : uri.getHost();
  }

  @Override
  public CompletableFuture<Connection> sendAsync(OutboundRoute endpoint, long perTryMillis) {
    CompletableFuture<Connection> future = new CompletableFuture<>();
    if (cancelled) {
      future.completeExceptionally(new java.util.concurrent.CancellationException("cancelled by the application"));
      return future; // the call path does not retry a cancelled call
    }
    HttpClientConfig c = new HttpClientConfig(config);
    SSLContext tls = "http".equals(uri.getScheme()) ? Bridge.outboundTls(endpoint.address(), endpoint.port()) : null;
    String scheme = tls != null ? "https" : uri.getScheme();
    String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
    c.uri = null;
    c.baseUrl = null;
    c.uriStr = scheme + "://" + endpoint.authority() + path + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
    HttpHeaders headers = config.headers.copy();
    if (!headers.contains(HttpHeaderNames.HOST)) {
      headers.set(HttpHeaderNames.HOST, hostHeader);
    }
    inject.forEach(headers::set);
    c.headers = headers;
    if (tls != null) {
      c.sslProvider = MeshHttpTls.provider(tls);
    }
    if (mirrored != null) {
      c.body = mirrored.forTry();
    }
    if (perTryMillis > 0 && (config.responseTimeout == null || config.responseTimeout.toMillis() > perTryMillis)) {
      c.responseTimeout = Duration.ofMillis(perTryMillis);
    }
    TrySubscriber subscriber = new TrySubscriber(future, context, mirrored == null ? null : this::bodyForDecision);
    current = subscriber;
    MeshHttpConnect.subscribeTry(new HttpClientConnect.MonoHttpConnect(c), subscriber);
    return future;
  }

  /** Before the call path decides about a try: whether its mirrored body can be sent again. */
  private void bodyForDecision() {
    mirrored.tryOver();
    call.body(mirrored.length(), mirrored.replayable());
  }

  /** The application cancelled: the try in flight is cancelled too. */
  void cancel() {
    cancelled = true;
    TrySubscriber s = current;
    if (s != null) {
      s.cancel();
    }
  }

  static int statusOf(Connection connection) {
    return connection instanceof HttpClientResponse response ? response.status().code() : -1;
  }

  @Override
  public int status(Connection response) {
    return statusOf(response);
  }

  @Override
  public void discard(Connection response) {
    response.dispose(); // a thrown-away answer's connection is closed rather than drained
  }

  @Override
  public Connection synthetic(int status, String header, String value) {
    return MeshHttpResponses.of(status, header, value);
  }

  @Override
  public IOException timeout() {
    return new DeadlineExceeded();
  }

  /** One try's subscriber: the first connection (the response head) or the error completes the try. */
  static final class TrySubscriber implements CoreSubscriber<Connection> {
    private final CompletableFuture<Connection> future;
    private final Context context;
    private final Runnable beforeDecision;
    private volatile Subscription subscription;
    private volatile boolean cancelled;

    /** @param beforeDecision runs before the try completes, or {@code null} */
    TrySubscriber(CompletableFuture<Connection> future, Context context, Runnable beforeDecision) {
      this.future = future;
      this.context = context;
      this.beforeDecision = beforeDecision;
    }

    private void decide() {
      if (beforeDecision != null && !future.isDone()) {
        beforeDecision.run();
      }
    }

    @Override
    public Context currentContext() {
      return context;
    }

    @Override
    public void onSubscribe(Subscription s) {
      subscription = s;
      if (cancelled) {
        s.cancel();
      } else {
        s.request(Long.MAX_VALUE);
      }
    }

    @Override
    public void onNext(Connection connection) {
      decide();
      if (!future.complete(connection)) {
        connection.dispose();
      }
    }

    @Override
    public void onError(Throwable t) {
      decide();
      future.completeExceptionally(t);
    }

    @Override
    public void onComplete() {
      decide();
      future.completeExceptionally(new IOException("no response"));
    }

    void cancel() {
      cancelled = true;
      Subscription s = subscription;
      if (s != null) {
        s.cancel();
      }
    }
  }
}
