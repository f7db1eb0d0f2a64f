package dev.skein.instrumentation.undertow;

import dev.skein.bootstrap.Bridge;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HttpString;
import net.bytebuddy.asm.Advice;

/**
 * Around {@code Connectors.executeRootHandler(HttpHandler, HttpServerExchange)}: a request past
 * this instance's RateLimitPolicy is answered 429 with {@code x-skein-refused: rate-limited} and
 * the root handler is skipped; every other request goes on untouched.
 */
final class RootHandlerAdvice {
  private RootHandlerAdvice() {}

  /** @return {@code true} when the request was refused: the original method is skipped */
  @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class, suppress = Throwable.class)
  static boolean enter(@Advice.Argument(1) HttpServerExchange exchange) {
    if (Bridge.admitInbound("http")) {
      return false;
    }
    exchange.setStatusCode(429);
    exchange.getResponseHeaders().put(HttpString.tryFromString("x-skein-refused"), "rate-limited");
    exchange.endExchange();
    return true;
  }
}
