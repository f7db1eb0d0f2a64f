package reactor.netty.http.client;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.cookie.ClientCookieDecoder;
import io.netty.handler.codec.http.cookie.ClientCookieEncoder;
import java.nio.charset.StandardCharsets;
import reactor.netty.Connection;
import reactor.netty.ConnectionObserver;
import reactor.netty.http.logging.ReactorNettyHttpMessageLogFactory;

/**
 * A response the mesh makes itself (an injected abort, a refusal by the breaker or the bulkhead),
 * as the application's code expects any response: Reactor Netty's own response object, on an
 * in-memory channel that never touches the network, holding the status, the mesh's header and the
 * value as a plain-text body.
 */
final class MeshHttpResponses {
  private MeshHttpResponses() {}

  static Connection of(int status, String header, String value) {
    EmbeddedChannel channel = new EmbeddedChannel();
    HttpClientOperations operations =
        new HttpClientOperations(
            Connection.from(channel),
            ConnectionObserver.emptyListener(),
            ClientCookieEncoder.STRICT,
            ClientCookieDecoder.STRICT,
            ReactorNettyHttpMessageLogFactory.INSTANCE);
    operations.bind(); // the end of the response completes the body only for bound operations
    byte[] body = value.getBytes(StandardCharsets.UTF_8);
    FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status), Unpooled.wrappedBuffer(body));
    response.headers()
        .set(header, value)
        .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN)
        .set(HttpHeaderNames.CONTENT_LENGTH, body.length)
        .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    operations.onInboundNext(channel.pipeline().firstContext(), response);
    return operations;
  }
}
