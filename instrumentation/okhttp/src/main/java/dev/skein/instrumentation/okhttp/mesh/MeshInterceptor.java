package dev.skein.instrumentation.okhttp.mesh;

import dev.skein.bootstrap.AgentFaults;
import dev.skein.bootstrap.CallPolicy;
import dev.skein.bootstrap.OutboundRoute;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import okhttp3.Interceptor;
import okhttp3.MediaType;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;

/**
 * The mesh's application interceptor, added to every OkHttpClient as it is built. For a request
 * the mesh routed (the route rides on the request as a tag), in this order: fault injection
 * (before anything leaves), then the overall timeout around the tries, each try admitted by the
 * destination's breaker and bulkhead and reported back for outlier detection and LEAST_REQUEST,
 * then retries to another endpoint with jittered exponential backoff within the retry budget.
 * Any other request passes straight through.
 *
 * <p>Injected into the application's class loader: it implements the application's okhttp3 types.
 */
public final class MeshInterceptor implements Interceptor {
  /** Bodies up to this size are replayed for a retry; larger or one-shot bodies are not. */
  static final long MAX_REPLAY_BYTES = 64 * 1024;

  private static final long BACKOFF_BASE_MILLIS = 25;
  private static final long BACKOFF_MAX_MILLIS = 250;

  @Override
  public Response intercept(Chain chain) throws IOException {
    Request request = chain.request();
    OutboundRoute route = request.tag(OutboundRoute.class);
    if (route == null) {
      return chain.proceed(request);
    }
    CallPolicy policy = route.policy();
    if (policy != null) {
      Response fault = injectFault(request, policy);
      if (fault != null) {
        return fault;
      }
    }
    long deadline = policy == null || policy.timeoutMillis() <= 0 ? 0 : System.nanoTime() + policy.timeoutMillis() * 1_000_000;
    for (int attempt = 0; ; attempt++) {
      // The breaker first (fail fast while open), then the bulkhead, which takes a slot.
      String refusal = route.permit();
      if (refusal == null) {
        refusal = route.admit();
      }
      if (refusal != null) {
        return synthetic(request, 503, "x-skein-refused", refusal);
      }
      Chain tryChain = chain;
      long perTry = perTryMillis(policy, deadline);
      if (perTry > 0) {
        int ms = (int) Math.max(1, perTry);
        tryChain = chain.withConnectTimeout(ms, TimeUnit.MILLISECONDS).withReadTimeout(ms, TimeUnit.MILLISECONDS).withWriteTimeout(ms, TimeUnit.MILLISECONDS);
      }
      long start = System.nanoTime();
      Response response = null;
      IOException failure = null;
      try {
        response = tryChain.proceed(request);
      } catch (IOException e) {
        failure = e;
      }
      route.finished(response == null ? 0 : response.code(), System.nanoTime() - start);
      if (!shouldRetry(request, policy, attempt, response, failure, deadline) || !route.tryRetry()) {
        if (failure != null) {
          throw failure;
        }
        return response;
      }
      if (response != null) {
        response.close();
      }
      if (!backOff(attempt, deadline)) {
        throw new InterruptedIOException("timeout"); // OkHttp's own words for a call timeout
      }
      route = route.reroute();
      request = request.newBuilder().url(request.url().newBuilder().host(route.address()).port(route.port()).build()).tag(OutboundRoute.class, route).build();
    }
  }

  private static Response injectFault(Request request, CallPolicy policy) throws IOException {
    if (policy.delayNow()) {
      try {
        Thread.sleep(policy.delayMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted during an injected delay");
      }
    }
    if (policy.abortHttpStatus() > 0 && policy.abortNow()) {
      return synthetic(request, policy.abortHttpStatus(), "x-skein-fault", "abort");
    }
    return null;
  }

  /** The per-try timeout: {@code perTryTimeout}, never past the overall deadline; 0 for none. */
  private static long perTryMillis(CallPolicy policy, long deadline) {
    if (policy == null) {
      return 0;
    }
    long perTry = policy.perTryTimeoutMillis();
    if (deadline != 0) {
      long remaining = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
      perTry = perTry <= 0 ? remaining : Math.min(perTry, remaining);
    }
    return perTry;
  }

  private static boolean shouldRetry(
      Request request, CallPolicy policy, int attempt, Response response, IOException failure, long deadline) {
    if (policy == null || attempt >= policy.attempts()) {
      return false;
    }
    if (deadline != 0 && System.nanoTime() - deadline >= 0) {
      return false;
    }
    String condition = condition(response, failure);
    if (condition == null) {
      return false;
    }
    boolean retryable =
        policy.retryOn(condition)
            || (condition.equals("gateway-error") && policy.retryOn("5xx"))
            || (condition.equals("5xx") && response != null && isGatewayError(response.code()) && policy.retryOn("gateway-error"))
            || (response != null && policy.retryOn("retriable-status-codes") && response.code() >= 500);
    if (!retryable) {
      return false;
    }
    // A POST or PATCH may have had effects unless the connection was never made.
    String method = request.method();
    if ((method.equals("POST") || method.equals("PATCH")) && !condition.equals("connect-failure")) {
      return false;
    }
    RequestBody body = request.body();
    try {
      return body == null || (!body.isOneShot() && body.contentLength() >= 0 && body.contentLength() <= MAX_REPLAY_BYTES);
    } catch (IOException e) {
      return false;
    }
  }

  /** The retryOn condition an outcome meets, or {@code null} for a success or a client error. */
  private static String condition(Response response, IOException failure) {
    if (failure instanceof ConnectException) {
      return "connect-failure";
    }
    if (failure instanceof SocketTimeoutException) {
      return "5xx"; // Envoy retries a per-try timeout under 5xx
    }
    if (failure != null) {
      return failure.getClass().getSimpleName().contains("Interrupted") ? null : "reset";
    }
    int code = response.code();
    if (isGatewayError(code)) {
      return "gateway-error";
    }
    return code >= 500 ? "5xx" : null;
  }

  private static boolean isGatewayError(int code) {
    return code == 502 || code == 503 || code == 504;
  }

  /** Sleeps a jittered exponential backoff; {@code false} when it would pass the deadline. */
  private static boolean backOff(int attempt, long deadline) {
    long cap = Math.min(BACKOFF_MAX_MILLIS, BACKOFF_BASE_MILLIS << Math.min(attempt, 10));
    long sleep = ThreadLocalRandom.current().nextLong(cap + 1); // full jitter
    if (deadline != 0 && System.nanoTime() + sleep * 1_000_000 - deadline >= 0) {
      return false;
    }
    try {
      Thread.sleep(sleep);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static Response synthetic(Request request, int code, String header, String value) {
    return new Response.Builder()
        .request(request)
        .protocol(Protocol.HTTP_1_1)
        .code(code)
        .message(header.equals("x-skein-fault") ? "Fault Injected" : "Refused By Mesh")
        .header(header, value)
        .body(ResponseBody.create(value, (MediaType) null))
        .sentRequestAtMillis(System.currentTimeMillis())
        .receivedResponseAtMillis(System.currentTimeMillis())
        .build();
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
