package dev.skein.bootstrap.instrumentation.jdkhttpclient;

import dev.skein.bootstrap.AgentFaults;
import dev.skein.bootstrap.Bridge;
import dev.skein.bootstrap.OutboundRoute;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiPredicate;

/**
 * Routes one {@code java.net.http} request. Lives in the bootstrap loader (one copy for every
 * class loader) and uses only {@code java.base} types, since that loader cannot see
 * {@code java.net.http}.
 */
public final class JdkHttpClientRouting {
  /** Keeps every header when the advice copies the request. */
  public static final BiPredicate<String, String> ALL_HEADERS = (name, value) -> true;

  private static final ThreadLocal<Boolean> INNER = new ThreadLocal<>();
  private static volatile Sender sender;

  private JdkHttpClientRouting() {}

  /**
   * Runs a routed request through the mesh's client call path. Implemented in the engine's
   * loader, which sees {@code java.net.http}; every argument is one of its types.
   */
  public interface Sender {
    /**
     * @param client the {@code HttpClientImpl}
     * @param request the routed {@code HttpRequest} (trace headers included)
     * @param async {@code false} for {@code send}, which waits for the answer on this thread
     * @param call the telemetry handle, or {@code null}
     * @return the response future, ended for telemetry, or {@code null} to send it unmanaged
     */
    CompletableFuture<?> send(
        Object client, Object request, Object handler, Object pushHandler, boolean async, OutboundRoute route, Object call);
  }

  /** Called once by the module as the agent starts. */
  public static void install(Sender installed) {
    sender = installed;
  }

  /** Whether this thread is sending a try of a call the mesh already manages (advice then stands aside). */
  public static boolean inner() {
    return INNER.get() != null;
  }

  /** Marks this thread as sending a managed try until {@link #innerDone()}. */
  public static void innerBegin() {
    INNER.set(Boolean.TRUE);
  }

  public static void innerDone() {
    INNER.remove();
  }

  /** The managed call's future, or {@code null} to let the request go as it is. */
  public static CompletableFuture<?> send(
      Object client, Object request, Object handler, Object pushHandler, boolean async, OutboundRoute route, Object call) {
    Sender s = sender;
    if (s == null) {
      return null;
    }
    try {
      return s.send(client, request, handler, pushHandler, async, route, call);
    } catch (Throwable t) {
      AgentFaults.record("jdk-http-client-send", t);
      return null;
    }
  }

  /**
   * The URI to send to instead, or {@code null} to leave the request alone.
   *
   * @param headers {@code HttpHeaders.map()}: case-insensitive keys
   */
  public static URI target(URI uri, String method, Map<String, List<String>> headers) {
    OutboundRoute target = route(uri, method, headers);
    return target == null ? null : retarget(uri, target);
  }

  /**
   * The mesh's route for the request, or {@code null} to leave it alone.
   *
   * @param headers {@code HttpHeaders.map()}: case-insensitive keys
   */
  public static OutboundRoute route(URI uri, String method, Map<String, List<String>> headers) {
    try {
      String host = uri.getHost();
      if (host == null) {
        return null;
      }
      return
          Bridge.routeHttp(
              host,
              uri.getPort(),
              method,
              uri.getRawPath(),
              name -> {
                List<String> values = headers.get(name);
                return values == null || values.isEmpty() ? null : values.get(0);
              });
    } catch (Throwable t) {
      AgentFaults.record("jdk-http-client", t);
      return null;
    }
  }

  /**
   * {@code uri} with the endpoint's authority in place of the service name, and {@code https} for an
   * endpoint that takes the mesh's mutual TLS.
   */
  public static URI retarget(URI uri, OutboundRoute target) {
    String scheme = uri.getScheme();
    if ("http".equalsIgnoreCase(scheme) && Bridge.outboundTls(target.address(), target.port()) != null) {
      scheme = "https"; // the mesh's mutual TLS: the endpoint takes it (see JdkHttpClientTlsInstrumentationModule)
    }
    StringBuilder s = new StringBuilder(64).append(scheme).append("://");
    if (uri.getRawUserInfo() != null) {
      s.append(uri.getRawUserInfo()).append('@');
    }
    s.append(target.authority());
    String path = uri.getRawPath();
    s.append(path == null || path.isEmpty() ? "/" : path);
    if (uri.getRawQuery() != null) {
      s.append('?').append(uri.getRawQuery());
    }
    return URI.create(s.toString());
  }
}
