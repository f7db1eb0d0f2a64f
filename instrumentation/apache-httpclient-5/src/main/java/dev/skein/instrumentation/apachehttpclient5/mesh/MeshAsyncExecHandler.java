package dev.skein.instrumentation.apachehttpclient5.mesh;

import dev.skein.bootstrap.AgentFaults;
import dev.skein.bootstrap.Bridge;
import dev.skein.bootstrap.ClientCalls;
import dev.skein.bootstrap.MeshCall;
import dev.skein.bootstrap.OutboundRoute;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Consumer;
import org.apache.hc.client5.http.async.AsyncExecCallback;
import org.apache.hc.client5.http.async.AsyncExecChain;
import org.apache.hc.client5.http.async.AsyncExecChainHandler;
import org.apache.hc.client5.http.impl.async.HttpAsyncClientBuilder;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.EntityDetails;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.http.impl.BasicEntityDetails;
import org.apache.hc.core5.http.message.BasicHttpResponse;
import org.apache.hc.core5.http.nio.AsyncDataConsumer;
import org.apache.hc.core5.http.nio.AsyncEntityProducer;
import org.apache.hc.core5.http.nio.CapacityChannel;

/**
 * The mesh's exec interceptor, first in every async Apache HttpClient 5 built by
 * {@code HttpAsyncClientBuilder}. A request the mesh routed (route planning left the route in the
 * context) goes through the shared client call path ({@link ClientCalls#executeAsync}: faults,
 * timeouts, breaker, bulkhead, retries); {@link AsyncTries} supplies the Apache parts. Tries and
 * the application's callback run on the client's I/O threads; only a backoff or an injected delay
 * waits on a timer. Any other request passes straight through.
 *
 * <p>Injected into the application's class loader: it implements the application's types.
 */
public final class MeshAsyncExecHandler implements AsyncExecChainHandler {
  static final String NAME = "skein-mesh";

  @Override
  public void execute(
      HttpRequest request, AsyncEntityProducer producer, AsyncExecChain.Scope scope, AsyncExecChain chain, AsyncExecCallback callback)
      throws HttpException, IOException {
    Object attribute = scope.clientContext.removeAttribute(MeshExecHandler.ROUTE_ATTRIBUTE);
    if (!(attribute instanceof OutboundRoute route)) {
      chain.proceed(request, producer, scope, callback);
      return;
    }
    long length = producer == null ? 0 : producer.getContentLength();
    Object telemetry = ApacheTelemetry.start(request, route); // one span per call, one per try (the call path's)
    String scheme = scope.route.getTargetHost().getSchemeName();
    // A body the application streams once is mirrored as it goes out, for a retry to send again,
    // and for a Route mirror: its copy leaves once the body has gone out whole (the first try's).
    // A repeatable body is only tapped for that copy.
    OutboundRoute mirror = route.mirror();
    Consumer<byte[]> toMirror =
        mirror == null || producer == null ? null : body -> ApacheMirror.send(request, scheme, mirror, route, body, type(producer));
    MirroredBody mirrored =
        producer != null && !producer.isRepeatable() && length <= MeshCall.MAX_REPLAY_BYTES ? new MirroredBody(producer, toMirror) : null;
    MeshCall call =
        new MeshCall(route, request.getMethod(), mirrored != null ? 0 : length, producer == null || producer.isRepeatable() || mirrored != null, telemetry);
    AsyncEntityProducer sent =
        mirrored != null
            ? mirrored
            : producer != null && producer.isRepeatable() && length <= MeshCall.MAX_REPLAY_BYTES ? MirroredBody.tap(producer, toMirror) : producer;
    AsyncTries tries = new AsyncTries(request, sent, scope, chain, route, callback, call, mirrored);
    if (mirror != null && producer == null) { // a body's copy waits for the body (MirroredBody)
      ApacheMirror.send(request, scheme, mirror, route, null, null);
    }
    // A mesh-made answer or a failure waits until the last try's connection is released.
    ClientCalls.executeAsync(call, tries)
        .whenComplete(
            (outcome, failure) -> {
              Bridge.clientEnd(telemetry, outcome == null ? -1 : outcome.response().getCode(), failure);
              tries.afterLastTry(
                  () -> {
                    if (mirrored != null) {
                      mirrored.close();
                    }
                    deliver(callback, outcome, failure);
                  });
            });
  }

  /** The body's content type for the mirror copy ({@code null} when unset). */
  private static ContentType type(AsyncEntityProducer producer) {
    String type = producer.getContentType();
    return type == null ? null : ContentType.parse(type);
  }

  /** Hands the call's outcome to the application's callback (the body of a real response follows on its own). */
  private static void deliver(AsyncExecCallback callback, AsyncTries.Outcome outcome, Throwable failure) {
    if (failure != null) {
      callback.failed(failure instanceof Exception e ? e : new IOException(failure));
      return;
    }
    if (!outcome.synthetic()) {
      return; // the try that answered hands its response to the callback itself
    }
    try {
      byte[] body = outcome.body().getBytes(StandardCharsets.UTF_8);
      EntityDetails details = new BasicEntityDetails(body.length, ContentType.TEXT_PLAIN);
      AsyncDataConsumer consumer = callback.handleResponse(outcome.response(), details);
      if (consumer != null) {
        consumer.consume(ByteBuffer.wrap(body));
        consumer.streamEnd(null);
      }
      callback.completed();
    } catch (Exception e) {
      callback.failed(e);
    }
  }

  /** A response the mesh makes itself: this status, one header, the value as a plain-text body. */
  static AsyncTries.Outcome synthetic(int status, String header, String value) {
    BasicHttpResponse response = new BasicHttpResponse(status, header.equals(ClientCalls.FAULT_HEADER) ? "Fault Injected" : "Refused By Mesh");
    response.setHeader(header, value);
    response.setHeader("Content-Type", ContentType.TEXT_PLAIN.toString());
    return new AsyncTries.Outcome(response, null, true, value);
  }

  /** Reads a thrown-away response's body to its end, so that its connection can be reused. */
  static final class Discarding implements AsyncDataConsumer {
    @Override
    public void updateCapacity(CapacityChannel channel) throws IOException {
      channel.update(Integer.MAX_VALUE);
    }

    @Override
    public void consume(ByteBuffer src) {
      src.position(src.limit());
    }

    @Override
    public void streamEnd(List<? extends Header> trailers) {}

    @Override
    public void releaseResources() {}
  }

  /**
   * Adds the handler first in a builder's exec chain.
   *
   * @param builder an {@code HttpAsyncClientBuilder} about to build
   */
  public static void install(Object builder) {
    try {
      ((HttpAsyncClientBuilder) builder).addExecInterceptorFirst(NAME, new MeshAsyncExecHandler());
    } catch (Throwable t) {
      AgentFaults.record("apache-async-exec-handler", t);
    }
  }
}
