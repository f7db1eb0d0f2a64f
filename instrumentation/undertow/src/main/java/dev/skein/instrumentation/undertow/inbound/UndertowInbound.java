package dev.skein.instrumentation.undertow.inbound;

import dev.skein.bootstrap.Bridge;
import dev.skein.bootstrap.InboundDecision;
import io.undertow.server.ExchangeCompletionListener;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.SSLSessionInfo;
import io.undertow.util.AttachmentKey;
import io.undertow.util.HttpString;
import java.net.InetSocketAddress;
import java.security.cert.Certificate;

/**
 * The engine's inbound decision for one Undertow exchange (injected into Undertow's class loader:
 * it names Undertow types). {@code Connectors.executeRootHandler} runs again for every
 * {@code dispatch}, so the decision is taken once per exchange and remembered on it; the server
 * span ends when the exchange completes.
 */
public final class UndertowInbound implements ExchangeCompletionListener {
  private static final AttachmentKey<Object> CALL = AttachmentKey.create(Object.class);
  // The attachment of an exchange that proceeds unobserved (no telemetry handle).
  private static final Object UNOBSERVED = new Object();
  private final Object call;

  private UndertowInbound(Object call) {
    this.call = call;
  }

  /**
   * @return {@code null} when the exchange was refused (and answered here), else the telemetry
   *     handle to make current, which may be {@code null}
   */
  public static Object enter(HttpServerExchange exchange) {
    Object seen = exchange.getAttachment(CALL);
    if (seen != null) {
      return seen == UNOBSERVED ? null : seen; // a dispatch of an exchange already decided
    }
    String query = exchange.getQueryString();
    InetSocketAddress source = exchange.getSourceAddress();
    InboundDecision decision =
        Bridge.inbound(
            null, "http", exchange.getRequestMethod().toString(),
            query == null || query.isEmpty() ? exchange.getRequestURI() : exchange.getRequestURI() + "?" + query,
            exchange.getRequestHeaders()::getFirst,
            source == null || source.getAddress() == null ? null : source.getAddress().getHostAddress(),
            peerCertificates(exchange));
    if (decision.refused()) {
      exchange.setStatusCode(decision.httpStatus());
      exchange.getResponseHeaders().put(HttpString.tryFromString("x-skein-refused"), decision.reason());
      exchange.endExchange();
      return REFUSED;
    }
    Object call = decision.call();
    exchange.putAttachment(CALL, call == null ? UNOBSERVED : call);
    if (call != null) {
      exchange.addExchangeCompleteListener(new UndertowInbound(call));
    }
    return call;
  }

  /** What {@link #enter} answers for a refused exchange. */
  public static final Object REFUSED = new Object();

  @Override
  public void exchangeEvent(HttpServerExchange exchange, NextListener next) {
    try {
      Bridge.serverEnd(call, exchange.getStatusCode(), null);
    } finally {
      next.proceed();
    }
  }

  private static Certificate[] peerCertificates(HttpServerExchange exchange) {
    SSLSessionInfo tls = exchange.getConnection().getSslSessionInfo();
    if (tls == null) {
      return null;
    }
    try {
      return tls.getPeerCertificates();
    } catch (Exception noClientCertificate) {
      return null;
    }
  }
}
