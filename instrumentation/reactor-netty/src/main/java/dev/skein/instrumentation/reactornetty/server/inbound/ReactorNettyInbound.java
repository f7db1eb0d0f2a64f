package dev.skein.instrumentation.reactornetty.server.inbound;

import dev.skein.bootstrap.Bridge;
import dev.skein.bootstrap.InboundDecision;
import io.netty.channel.Channel;
import io.netty.handler.ssl.SslHandler;
import java.net.InetSocketAddress;
import java.security.cert.Certificate;
import java.util.function.BiFunction;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * Wraps the application's {@code HttpServer} handler (injected into Reactor Netty's class loader:
 * it names Reactor Netty, Netty and Reactor types, the application's own, never the agent's
 * relocated copies): the engine's inbound decision before the handler runs, a refusal written as
 * 403 or 429 with {@code x-skein-refused}, and the server span ended when the handler's publisher
 * terminates. The peer's certificates come from the connection's {@code SslHandler}.
 */
public final class ReactorNettyInbound
    implements BiFunction<HttpServerRequest, HttpServerResponse, Publisher<Void>> {
  private final BiFunction<? super HttpServerRequest, ? super HttpServerResponse, ? extends Publisher<Void>> handler;

  private ReactorNettyInbound(BiFunction<? super HttpServerRequest, ? super HttpServerResponse, ? extends Publisher<Void>> handler) {
    this.handler = handler;
  }

  /** The handler to install instead of {@code handler} (itself if already wrapped). */
  @SuppressWarnings("unchecked")
  public static BiFunction<? super HttpServerRequest, ? super HttpServerResponse, ? extends Publisher<Void>> wrap(
      BiFunction<? super HttpServerRequest, ? super HttpServerResponse, ? extends Publisher<Void>> handler) {
    return handler == null || handler instanceof ReactorNettyInbound ? handler : new ReactorNettyInbound(handler);
  }

  @Override
  public Publisher<Void> apply(HttpServerRequest request, HttpServerResponse response) {
    InetSocketAddress remote = request.remoteAddress();
    InboundDecision decision =
        Bridge.inbound(
            null, "http", request.method().name(), request.uri(), request.requestHeaders()::get,
            remote == null || remote.getAddress() == null ? null : remote.getAddress().getHostAddress(),
            peerCertificates(request));
    if (decision.refused()) {
      return response.status(decision.httpStatus()).header("x-skein-refused", decision.reason()).send();
    }
    Object call = decision.call();
    if (call == null) {
      return handler.apply(request, response);
    }
    Publisher<Void> result;
    Object token = Bridge.attach(call);
    try {
      result = handler.apply(request, response);
    } catch (RuntimeException | Error e) {
      Bridge.serverEnd(call, 500, e);
      throw e;
    } finally {
      Bridge.detach(token);
    }
    return Mono.from(result)
        .doOnError(e -> Bridge.serverEnd(call, 500, e))
        .doFinally(signal -> Bridge.serverEnd(call, response.status().code(), null));
  }

  private static Certificate[] peerCertificates(HttpServerRequest request) {
    Certificate[][] found = new Certificate[1][];
    try {
      request.withConnection(connection -> {
        Channel channel = connection.channel();
        SslHandler tls = channel.pipeline().get(SslHandler.class);
        if (tls == null && channel.parent() != null) {
          tls = channel.parent().pipeline().get(SslHandler.class); // an HTTP/2 stream
        }
        if (tls != null) {
          try {
            found[0] = tls.engine().getSession().getPeerCertificates();
          } catch (javax.net.ssl.SSLPeerUnverifiedException noClientCertificate) {
            found[0] = null;
          }
        }
      });
    } catch (RuntimeException e) {
      return null;
    }
    return found[0];
  }
}
