package dev.skein.instrumentation.apachehttpclient5.mesh;

import dev.skein.bootstrap.AgentFaults;
import dev.skein.bootstrap.Bridge;
import dev.skein.bootstrap.ClientCalls;
import dev.skein.bootstrap.ClientExchange;
import dev.skein.bootstrap.MeshCall;
import dev.skein.bootstrap.OutboundRoute;
import dev.skein.bootstrap.instrumentation.apachehttpclient5.ApacheMeshTls;
import java.io.IOException;
import java.net.SocketTimeoutException;
import org.apache.hc.client5.http.HttpRoute;
import org.apache.hc.client5.http.classic.ExecChain;
import org.apache.hc.client5.http.classic.ExecChainHandler;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.HttpClientBuilder;
import org.apache.hc.client5.http.protocol.HttpClientContext;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.apache.hc.core5.http.message.BasicClassicHttpResponse;
import org.apache.hc.core5.util.Timeout;

/**
 * The mesh's exec interceptor, first in every classic Apache HttpClient 5 built by
 * {@code HttpClientBuilder}. A request the mesh routed (route planning left the route in the
 * context) goes through the shared client call path ({@link ClientCalls}: faults, timeouts,
 * breaker, bulkhead, retries); this class supplies only the Apache parts: a try is
 * {@code chain.proceed} on a scope whose route names the try's endpoint, under a response timeout
 * of the per-try timeout. Any other request passes straight through.
 *
 * <p>Injected into the application's class loader: it implements the application's types.
 */
public final class MeshExecHandler implements ExecChainHandler {
  /** The context attribute under which route planning leaves the mesh's route for this handler. */
  public static final String ROUTE_ATTRIBUTE = "dev.skein.route";

  static final String NAME = "skein-mesh";

  @Override
  public ClassicHttpResponse execute(ClassicHttpRequest request, ExecChain.Scope scope, ExecChain chain) throws IOException, HttpException {
    Object attribute = scope.clientContext.removeAttribute(ROUTE_ATTRIBUTE);
    if (!(attribute instanceof OutboundRoute route)) {
      return chain.proceed(request, scope);
    }
    HttpEntity entity = request.getEntity();
    long length = entity == null ? 0 : entity.getContentLength();
    Object telemetry = ApacheTelemetry.start(request, route); // one span per call, one per try (the call path's)
    MeshCall call = new MeshCall(route, request.getMethod(), length, entity == null || entity.isRepeatable(), telemetry);
    Exchange exchange = new Exchange(request, scope, chain, route);
    if (route.mirror() != null) {
      mirror(request, entity, scope, route);
    }
    try {
      ClassicHttpResponse response = ClientCalls.execute(call, exchange);
      Bridge.clientEnd(telemetry, response.getCode(), null);
      return response;
    } catch (WrappedHttpException e) {
      Bridge.clientEnd(telemetry, -1, e.cause);
      throw e.cause;
    } catch (IOException | RuntimeException e) {
      Bridge.clientEnd(telemetry, -1, e);
      throw e;
    }
  }

  /** A Route {@code mirror} copy, fire-and-forget; a body is copied when it can be read twice and is small. */
  private static void mirror(ClassicHttpRequest request, HttpEntity entity, ExecChain.Scope scope, OutboundRoute route) {
    try {
      byte[] body = null;
      ContentType type = null;
      if (entity != null) {
        long length = entity.getContentLength();
        if (!entity.isRepeatable() || length < 0 || length > MeshCall.MAX_REPLAY_BYTES) {
          return;
        }
        body = EntityUtils.toByteArray(entity);
        type = entity.getContentType() == null ? null : ContentType.parse(entity.getContentType());
      }
      ApacheMirror.send(request, scope.route.getTargetHost().getSchemeName(), route.mirror(), route, body, type);
    } catch (Throwable t) {
      AgentFaults.record("apache-mirror", t);
    }
  }

  /** One request's tries. */
  private static final class Exchange implements ClientExchange<ClassicHttpResponse> {
    private final ClassicHttpRequest request;
    private final ExecChain.Scope scope;
    private final ExecChain chain;
    private final OutboundRoute first;

    Exchange(ClassicHttpRequest request, ExecChain.Scope scope, ExecChain chain, OutboundRoute first) {
      this.request = request;
      this.scope = scope;
      this.chain = chain;
      this.first = first;
    }

    @Override
    public ClassicHttpResponse send(OutboundRoute endpoint, long perTryMillis) throws IOException {
      ExecChain.Scope tryScope = scope;
      if (endpoint != first) {
        HttpRoute route = scope.route;
        String scheme = ApacheMeshTls.scheme(route.getTargetHost().getSchemeName(), endpoint, first);
        HttpHost target = new HttpHost(scheme, endpoint.address(), endpoint.port());
        tryScope =
            new ExecChain.Scope(
                scope.exchangeId, new HttpRoute(target, route.getLocalAddress(), "https".equals(scheme)), scope.originalRequest, scope.execRuntime, scope.clientContext);
      }
      HttpClientContext context = scope.clientContext;
      RequestConfig own = context.getRequestConfig();
      if (perTryMillis > 0) {
        RequestConfig base = own == null ? RequestConfig.DEFAULT : own;
        Timeout ownTimeout = base.getResponseTimeout();
        if (ownTimeout == null || ownTimeout.isDisabled() || ownTimeout.toMilliseconds() > perTryMillis) {
          context.setRequestConfig(RequestConfig.copy(base).setResponseTimeout(Timeout.ofMilliseconds(perTryMillis)).build());
        }
      }
      try {
        return chain.proceed(request, tryScope);
      } catch (HttpException e) {
        throw new WrappedHttpException(e);
      } finally {
        context.setRequestConfig(own);
      }
    }

    @Override
    public int status(ClassicHttpResponse response) {
      return response.getCode();
    }

    @Override
    public void discard(ClassicHttpResponse response) {
      try {
        EntityUtils.consume(response.getEntity());
        response.close();
      } catch (IOException ignored) {
        // the response is thrown away either way
      }
    }

    @Override
    public ClassicHttpResponse synthetic(int status, String header, String value) {
      BasicClassicHttpResponse response =
          new BasicClassicHttpResponse(status, header.equals(ClientCalls.FAULT_HEADER) ? "Fault Injected" : "Refused By Mesh");
      response.setHeader(header, value);
      response.setEntity(new StringEntity(value, ContentType.TEXT_PLAIN));
      return response;
    }

    @Override
    public IOException timeout() {
      return new SocketTimeoutException("Read timed out"); // what a response timeout throws
    }
  }

  /** Carries a protocol error through the IOException-only call path; unwrapped at the top. */
  private static final class WrappedHttpException extends IOException {
    final HttpException cause;

    WrappedHttpException(HttpException cause) {
      super(cause);
      this.cause = cause;
    }
  }

  /**
   * Adds the handler first in a builder's exec chain.
   *
   * @param builder an {@code HttpClientBuilder} about to build
   */
  public static void install(Object builder) {
    try {
      ((HttpClientBuilder) builder).addExecInterceptorFirst(NAME, new MeshExecHandler());
    } catch (Throwable t) {
      AgentFaults.record("apache-exec-handler", t);
    }
  }
}
