package dev.skein.instrumentation.undertow;

import dev.skein.bootstrap.Bridge;
import dev.skein.instrumentation.undertow.inbound.UndertowInbound;
import io.undertow.server.HttpServerExchange;
import net.bytebuddy.asm.Advice;

/**
 * Around {@code Connectors.executeRootHandler(HttpHandler, HttpServerExchange)}: the engine's
 * inbound decision (authorization, rate limit), once per exchange. A refused exchange is answered
 * 403 or 429 with {@code x-skein-refused} and the root handler is skipped; any other gets a server
 * span, current while the handler runs (again on each dispatch).
 */
final class RootHandlerAdvice {
  private RootHandlerAdvice() {}

  /** @return {@code true} when the request was refused: the original method is skipped */
  @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class, suppress = Throwable.class)
  static boolean enter(@Advice.Argument(1) HttpServerExchange exchange, @Advice.Local("skeinScope") Object scope) {
    Object call = UndertowInbound.enter(exchange);
    if (call == UndertowInbound.REFUSED) {
      return true;
    }
    scope = Bridge.attach(call);
    return false;
  }

  @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
  static void exit(@Advice.Local("skeinScope") Object scope) {
    Bridge.detach(scope);
  }
}
