package dev.skein.instrumentation.okhttp.mesh;

import dev.skein.bootstrap.AgentFaults;
import dev.skein.bootstrap.Bridge;
import dev.skein.bootstrap.ClientCalls;
import dev.skein.bootstrap.ClientExchange;
import dev.skein.bootstrap.MeshCall;
import dev.skein.bootstrap.OutboundRoute;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.TimeUnit;
import okhttp3.Interceptor;
import okhttp3.MediaType;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;

/**
 * The mesh's application interceptor, added to every OkHttpClient as it is built. A request the
 * mesh routed (the route rides on the request as a tag) goes through the shared client call path
 * ({@link ClientCalls}: faults, timeouts, breaker, bulkhead, retries); this class supplies only
 * the OkHttp parts: a try is {@code chain.proceed} with per-try timeouts on the chain; a Route
 * {@code mirror} copy is enqueued on the same client. Any other request passes straight through.
 *
 * <p>Injected into the application's class loader: it implements the application's okhttp3 types.
 */
public final class MeshInterceptor implements Interceptor {
  @Override
  public Response intercept(Chain chain) throws IOException {
    Request request = chain.request();
    OutboundRoute route = request.tag(OutboundRoute.class);
    if (route == null) {
      return chain.proceed(request);
    }
    // One span and one skein.requests count per call (retries inside), named by the mesh service.
    java.util.Map<String, String> inject = new java.util.HashMap<>();
    String service = route.service(); // namespace/name
    // The application's URL (the service's), not the endpoint's the request now names.
    dev.skein.bootstrap.instrumentation.okhttp.OkHttpCallUrl asked = request.tag(dev.skein.bootstrap.instrumentation.okhttp.OkHttpCallUrl.class);
    Object telemetry =
        Bridge.clientStart(
            "http", route, request.method(), asked == null ? request.url().toString() : asked.url(), serviceName(service),
            asked == null ? request.url().port() : asked.port(), inject);
    if (!inject.isEmpty()) {
      Request.Builder traced = request.newBuilder();
      inject.forEach(traced::header);
      request = traced.build();
    }
    RequestBody body = request.body();
    long length = body == null ? 0 : body.contentLength();
    MeshCall call = new MeshCall(route, request.method(), length, body == null || !body.isOneShot(), telemetry); // attempt spans
    if (route.mirror() != null && (body == null || !body.isOneShot())) {
      mirror(chain, request, route.mirror(), route);
    }
    try {
      Response response = ClientCalls.execute(call, new OkHttpExchange(chain, request, route));
      Bridge.clientEnd(telemetry, response.code(), null);
      return response;
    } catch (IOException | RuntimeException e) {
      Bridge.clientEnd(telemetry, -1, e);
      throw e;
    }
  }

  // The last service's name without its namespace: a client calls few services, so no substring per call.
  private static volatile String[] lastService = {"", ""};

  /** {@code name} of {@code namespace/name}. */
  static String serviceName(String service) {
    String[] last = lastService;
    if (last[0].equals(service)) {
      return last[1];
    }
    String name = service.substring(service.indexOf('/') + 1);
    lastService = new String[] {service, name};
    return name;
  }

  /**
   * Sends a copy to the mirror endpoint on the same client, fire-and-forget: enqueued on OkHttp's
   * dispatcher, its answer discarded, any failure ignored.
   */
  private static void mirror(Chain chain, Request request, OutboundRoute mirror, OutboundRoute route) {
    try {
      okhttp3.OkHttpClient client = ((okhttp3.internal.connection.RealCall) chain.call()).getClient();
      Request copy =
          request.newBuilder().url(request.url().newBuilder().scheme(dev.skein.bootstrap.instrumentation.okhttp.OkHttpRouting.scheme(request.url().scheme(), mirror, route)).host(mirror.address()).port(mirror.port()).build()).tag(OutboundRoute.class, null).build();
      client.newCall(copy).enqueue(new DiscardMirror());
    } catch (Throwable t) {
      AgentFaults.record("okhttp-mirror", t);
    }
  }

  /** Closes a mirror's answer unread. */
  private static final class DiscardMirror implements okhttp3.Callback {
    @Override
    public void onFailure(okhttp3.Call call, IOException e) {}

    @Override
    public void onResponse(okhttp3.Call call, Response response) {
      response.close();
    }
  }

  /** One OkHttp call's tries: the first goes as routed, a retry to the endpoint the call moved to. */
  private static final class OkHttpExchange implements ClientExchange<Response> {
    private final Chain chain;
    private final Request request;
    private final OutboundRoute first;

    OkHttpExchange(Chain chain, Request request, OutboundRoute first) {
      this.chain = chain;
      this.request = request;
      this.first = first;
    }

    @Override
    public Response send(OutboundRoute endpoint, long perTryMillis) throws IOException {
      Chain tryChain = chain;
      if (perTryMillis > 0) {
        int ms = (int) Math.min(Integer.MAX_VALUE, perTryMillis);
        tryChain =
            chain.withConnectTimeout(ms, TimeUnit.MILLISECONDS).withReadTimeout(ms, TimeUnit.MILLISECONDS).withWriteTimeout(ms, TimeUnit.MILLISECONDS);
      }
      Request tryRequest = request;
      if (endpoint != first) {
        tryRequest =
            request.newBuilder().url(request.url().newBuilder().scheme(dev.skein.bootstrap.instrumentation.okhttp.OkHttpRouting.scheme(request.url().scheme(), endpoint, first)).host(endpoint.address()).port(endpoint.port()).build()).tag(OutboundRoute.class, endpoint).build();
      }
      return tryChain.proceed(tryRequest);
    }

    @Override
    public int status(Response response) {
      return response.code();
    }

    @Override
    public void discard(Response response) {
      response.close();
    }

    @Override
    public Response synthetic(int code, String header, String value) {
      return new Response.Builder()
          .request(request)
          .protocol(Protocol.HTTP_1_1)
          .code(code)
          .message(header.equals(ClientCalls.FAULT_HEADER) ? "Fault Injected" : "Refused By Mesh")
          .header(header, value)
          .body(ResponseBody.create(value, (MediaType) null))
          .sentRequestAtMillis(System.currentTimeMillis())
          .receivedResponseAtMillis(System.currentTimeMillis())
          .build();
    }

    @Override
    public IOException timeout() {
      return new InterruptedIOException("timeout"); // OkHttp's own words for a call timeout
    }
  }

  /**
   * Adds the interceptor to a builder unless one is there already (a builder from
   * {@code client.newBuilder()} carries the original client's).
   *
   * @param builder an {@code OkHttpClient.Builder}
   */
  public static void install(Object builder) {
    try {
      java.util.List<Interceptor> interceptors = ((okhttp3.OkHttpClient.Builder) builder).interceptors();
      for (Interceptor i : interceptors) {
        if (i instanceof MeshInterceptor) {
          return;
        }
      }
      interceptors.add(new MeshInterceptor());
    } catch (Throwable t) {
      AgentFaults.record("okhttp-interceptor", t);
    }
  }
}
