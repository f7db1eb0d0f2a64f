package dev.skein.instrumentation.jdkhttpserver;

import com.sun.net.httpserver.HttpExchange;
import dev.skein.bootstrap.Bridge;
import dev.skein.bootstrap.instrumentation.jdkhttpserver.MapHeaders;
import net.bytebuddy.asm.Advice;

/**
 * Around {@code AuthFilter.doFilter}, the system filter every context runs once per request
 * right before its handler: a server span (parent from the request's headers) current while the
 * handler runs, and the request's duration and status.
 */
final class ExchangeAdvice {
  private ExchangeAdvice() {}

  @Advice.OnMethodEnter(suppress = Throwable.class)
  static void enter(
      @Advice.Argument(0) HttpExchange exchange,
      @Advice.Local("skeinCall") Object call,
      @Advice.Local("skeinScope") Object scope) {
    call =
        Bridge.serverStart(
            exchange.getHttpContext().getServer(),
            "http",
            exchange.getRequestMethod(),
            exchange.getRequestURI().toString(),
            MapHeaders.of(exchange.getRequestHeaders()),
            exchange.getRemoteAddress() == null ? null : exchange.getRemoteAddress().getAddress().getHostAddress());
    scope = Bridge.attach(call);
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
