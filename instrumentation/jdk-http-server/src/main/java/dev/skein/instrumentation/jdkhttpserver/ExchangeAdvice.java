package dev.skein.instrumentation.jdkhttpserver;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsExchange;
import dev.skein.bootstrap.Bridge;
import dev.skein.bootstrap.InboundDecision;
import dev.skein.bootstrap.instrumentation.jdkhttpserver.MapHeaders;
import net.bytebuddy.asm.Advice;

/**
 * Around {@code AuthFilter.doFilter}, the system filter every context runs once per request
 * right before its handler: the engine's inbound decision (authorization, rate limit). A refused
 * request is answered 403 or 429 with {@code x-skein-refused} and the handler is skipped; any
 * other request gets a server span (parent from the request's headers) current while the handler
 * runs, and the request's duration and status. The peer's certificates come from the
 * {@link HttpsExchange}'s TLS session.
 */
final class ExchangeAdvice {
  private ExchangeAdvice() {}

  /** @return {@code true} when the request was refused: the handler is skipped */
  @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class, suppress = Throwable.class)
  static boolean enter(
      @Advice.Argument(0) HttpExchange exchange,
      @Advice.Local("skeinCall") Object call,
      @Advice.Local("skeinScope") Object scope) {
    java.security.cert.Certificate[] peerCertificates = null;
    if (exchange instanceof HttpsExchange) {
      try {
        peerCertificates = ((HttpsExchange) exchange).getSSLSession().getPeerCertificates();
      } catch (javax.net.ssl.SSLPeerUnverifiedException | RuntimeException noClientCertificate) {
        peerCertificates = null;
      }
    }
    InboundDecision decision =
        Bridge.inbound(
            exchange.getHttpContext().getServer(),
            "http",
            exchange.getRequestMethod(),
            exchange.getRequestURI().toString(),
            MapHeaders.of(exchange.getRequestHeaders()),
            exchange.getRemoteAddress() == null ? null : exchange.getRemoteAddress().getAddress().getHostAddress(),
            peerCertificates);
    if (decision.refused()) {
      try {
        exchange.getResponseHeaders().set("x-skein-refused", decision.reason());
        exchange.sendResponseHeaders(decision.httpStatus(), -1);
      } catch (java.io.IOException | RuntimeException e) {
        // the client is gone: nothing to answer
      }
      exchange.close();
      return true;
    }
    call = decision.call();
    scope = Bridge.attach(call);
    return false;
  }

  @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
  static void exit(
      @Advice.Argument(0) HttpExchange exchange,
      @Advice.Thrown Throwable thrown,
      @Advice.Local("skeinCall") Object call,
      @Advice.Local("skeinScope") Object scope) {
    Bridge.detach(scope);
    Bridge.serverEnd(call, exchange.getResponseCode(), thrown);
  }
}
