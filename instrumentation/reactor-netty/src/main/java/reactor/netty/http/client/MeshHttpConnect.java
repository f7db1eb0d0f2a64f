package reactor.netty.http.client;

import dev.skein.bootstrap.AgentFaults;
import dev.skein.bootstrap.Bridge;
import dev.skein.bootstrap.ClientCalls;
import dev.skein.bootstrap.MeshCall;
import dev.skein.bootstrap.OutboundRoute;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.timeout.ReadTimeoutException;
import java.net.URI;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.netty.Connection;
import reactor.netty.NettyOutbound;

/**
 * The mesh's way into a Reactor Netty {@code HttpClient} request: {@code MonoHttpConnect.subscribe}
 * asks here first. A request to a mesh service runs through the shared client call path
 * ({@link ClientCalls#executeAsync}: faults, timeouts, breaker, bulkhead, retries, telemetry); each
 * try is a {@code MonoHttpConnect} of its own, for a copy of the request's configuration that names
 * the try's endpoint (see {@link MeshHttpTries}). The application's subscriber gets the answering
 * try's connection on the Netty thread that received the response head: no thread hop.
 *
 * <p>Lives in Reactor Netty's package (the configuration and {@code MonoHttpConnect} are
 * package-private) and is injected into the application's class loader.
 */
public final class MeshHttpConnect {
  /** Set while a try subscribes its own {@code MonoHttpConnect}, which must go through unchanged. */
  private static final ThreadLocal<Boolean> TRY = new ThreadLocal<>();

  /** The context key under which Spring WebClient's request headers are found (webclient module). */
  private static final String REQUEST_HEADERS_KEY = "skein.request.headers";

  private static final java.util.Set<String> BODILESS = java.util.Set.of("GET", "HEAD", "DELETE", "OPTIONS", "TRACE");

  private MeshHttpConnect() {}

  /**
   * @param mono the {@code MonoHttpConnect} being subscribed
   * @param actual its subscriber
   * @return whether the mesh took the subscription over (the original subscribe is then skipped)
   */
  @SuppressWarnings("unchecked")
  public static boolean subscribe(Object mono, Object actual) {
    if (TRY.get() != null) {
      return false;
    }
    try {
      if (!(mono instanceof HttpClientConnect.MonoHttpConnect connect) || !(actual instanceof CoreSubscriber<?> subscriber)) {
        return false;
      }
      HttpClientConfig config = connect.config;
      if (config.websocketClientSpec != null) {
        return false;
      }
      URI uri = uri(config);
      if (uri == null || uri.getHost() == null || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
        return false;
      }
      String method = config.method == null ? "GET" : config.method.name();
      int port = uri.getPort() > 0 ? uri.getPort() : "https".equals(uri.getScheme()) ? 443 : 80;
      HttpHeaders headers = config.headers;
      Function<String, String> requestHeaders = requestHeaders(subscriber);
      OutboundRoute route =
          Bridge.routeHttp(uri.getHost(), port, method, uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath(),
              name -> {
                String value = headers == null ? null : headers.get(name);
                return value == null && requestHeaders != null ? requestHeaders.apply(name) : value;
              });
      if (route == null) {
        return false;
      }
      run(config, uri, method, route, (CoreSubscriber<? super Connection>) subscriber);
      return true;
    } catch (Throwable t) {
      AgentFaults.record("reactor-netty-client", t);
      return false;
    }
  }

  /**
   * The headers a {@code send} callback will set, where the caller put them in the subscriber's
   * context beforehand (Spring WebClient: see the webclient module), else {@code null}.
   */
  @SuppressWarnings("unchecked")
  private static Function<String, String> requestHeaders(CoreSubscriber<?> subscriber) {
    Object headers = subscriber.currentContext().getOrDefault(REQUEST_HEADERS_KEY, null);
    return headers instanceof Function<?, ?> f ? (Function<String, String>) f : null;
  }

  private static void run(HttpClientConfig config, URI uri, String method, OutboundRoute route, CoreSubscriber<? super Connection> actual) {
    Map<String, String> inject = new HashMap<>();
    String service = route.service(); // namespace/name
    Object telemetry =
        Bridge.clientStart("http", route, method, uri.toString(), service.substring(service.indexOf('/') + 1), uri.getPort(), inject);
    // Spring WebClient sends every request through a send callback, a GET's writing nothing:
    // Reactor Netty itself calls it again for a redirect, so for a method without a body the mesh
    // may too. Any other method's callback writes a body of unknown length, which is mirrored as
    // it goes out, for a retry to send the copy (MeshHttpBody).
    boolean noBody = config.body == null || BODILESS.contains(method);
    // A Route mirror's copy of such a body leaves once the body has been written whole.
    OutboundRoute mirror = route.mirror();
    MeshHttpBody mirrored =
        noBody ? null : new MeshHttpBody(config.body, mirror == null ? null : copy -> mirror(config, uri, mirror, copy));
    MeshCall call = new MeshCall(route, method, 0, true, telemetry);
    MeshHttpTries tries = new MeshHttpTries(config, uri, inject, actual.currentContext(), call, mirrored);
    if (mirror != null && noBody) {
      mirror(config, uri, mirror, null);
    }
    Delivery delivery = new Delivery(actual, tries, telemetry);
    actual.onSubscribe(delivery);
    CompletableFuture<Connection> result = ClientCalls.executeAsync(call, tries);
    result.whenComplete(delivery::deliver);
  }

  /**
   * Sends a copy to the Route's mirror endpoint, fire-and-forget: its own connection, its answer's
   * connection closed unread, any failure ignored. A bodiless method's send callback runs once
   * more for it; a body a callback wrote is sent from its copy ({@link MeshHttpBody}).
   *
   * @param body the copy's send callback, or {@code null} for the request's own
   */
  private static void mirror(
      HttpClientConfig config, URI uri, OutboundRoute mirror, BiFunction<HttpClientRequest, NettyOutbound, Publisher<Void>> body) {
    try {
      HttpClientConfig c = config;
      if (body != null) {
        c = new HttpClientConfig(config);
        c.body = body;
      }
      new MeshHttpTries(c, uri, Map.of(), reactor.util.context.Context.empty())
          .sendAsync(mirror, 0)
          .whenComplete(
              (connection, ignored) -> {
                if (connection != null) {
                  connection.dispose();
                }
              });
    } catch (Throwable t) {
      AgentFaults.record("reactor-netty-mirror", t);
    }
  }

  /** Runs {@code subscribe} of a try's own {@code MonoHttpConnect} past the mesh. */
  static void subscribeTry(HttpClientConnect.MonoHttpConnect connect, CoreSubscriber<? super Connection> subscriber) {
    TRY.set(Boolean.TRUE);
    try {
      connect.subscribe(subscriber);
    } finally {
      TRY.remove();
    }
  }

  /** The request's URL as the handler builds it: the URI, or the base URL and the path. */
  static URI uri(HttpClientConfig config) {
    if (config.uri != null) {
      return config.uri;
    }
    String uri = config.uriStr == null ? "/" : config.uriStr;
    String base = config.baseUrl;
    if (base != null && uri.startsWith("/")) {
      uri = (base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + uri;
    }
    if (!uri.startsWith("http://") && !uri.startsWith("https://")) {
      return null; // a relative path on the client's remoteAddress: left to the address advice
    }
    try {
      return URI.create(uri);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /**
   * The application's subscription: one connection (the answering try's), or one error, handed
   * over once the subscriber has asked for it.
   */
  static final class Delivery implements Subscription {
    private final CoreSubscriber<? super Connection> actual;
    private final MeshHttpTries tries;
    private final Object telemetry;
    private boolean requested;
    private boolean cancelled;
    private boolean done;
    private Connection connection;
    private Throwable error;

    Delivery(CoreSubscriber<? super Connection> actual, MeshHttpTries tries, Object telemetry) {
      this.actual = actual;
      this.tries = tries;
      this.telemetry = telemetry;
    }

    void deliver(Connection answer, Throwable failure) {
      Throwable e = failure;
      while (e instanceof java.util.concurrent.CompletionException && e.getCause() != null) {
        e = e.getCause();
      }
      if (e instanceof MeshHttpTries.DeadlineExceeded) {
        e = ReadTimeoutException.INSTANCE; // what Reactor Netty's own response timeout fails with
      }
      Bridge.clientEnd(telemetry, answer == null ? -1 : MeshHttpTries.statusOf(answer), e);
      boolean now;
      synchronized (this) {
        done = true;
        connection = answer;
        error = e;
        now = requested && !cancelled;
        if (cancelled && answer != null) {
          answer.dispose();
        }
      }
      if (now) {
        signal();
      }
    }

    private void signal() {
      if (error != null) {
        actual.onError(error);
      } else {
        actual.onNext(connection);
        actual.onComplete();
      }
    }

    @Override
    public void request(long n) {
      boolean now;
      synchronized (this) {
        now = n > 0 && !requested && done && !cancelled;
        requested |= n > 0;
      }
      if (now) {
        signal();
      }
    }

    @Override
    public void cancel() {
      synchronized (this) {
        if (cancelled) {
          return;
        }
        cancelled = true;
        if (done && connection != null && !requested) {
          connection.dispose();
        }
      }
      tries.cancel();
    }
  }
}
