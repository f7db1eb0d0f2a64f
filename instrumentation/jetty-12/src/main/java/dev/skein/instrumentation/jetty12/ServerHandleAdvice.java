package dev.skein.instrumentation.jetty12;

import dev.skein.bootstrap.Bridge;
import dev.skein.bootstrap.InboundDecision;
import dev.skein.instrumentation.jetty12.inbound.JettyInbound;
import net.bytebuddy.asm.Advice;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Around {@code Server.handle(Request, Response, Callback)}: the engine's inbound decision
 * (authorization, rate limit). A refused request is answered 403 or 429 with
 * {@code x-skein-refused} and the server's handlers are skipped; any other gets a server span,
 * current while the handlers run here.
 */
final class ServerHandleAdvice {
  private ServerHandleAdvice() {}

  /** @return {@code true} when the request was refused: the original method is skipped */
  @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class, suppress = Throwable.class)
  static boolean enter(
      @Advice.Argument(0) Request request,
      @Advice.Argument(1) Response response,
      @Advice.Argument(2) Callback callback,
      @Advice.Local("skeinScope") Object scope) {
    InboundDecision decision = JettyInbound.decide(request, response, callback);
    if (decision.refused()) {
      return true;
    }
    scope = Bridge.attach(decision.call());
    return false;
  }

  @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
  static void exit(
      @Advice.Enter boolean refused, @Advice.Return(readOnly = false) boolean handled, @Advice.Local("skeinScope") Object scope) {
    Bridge.detach(scope);
    if (refused) {
      handled = true; // the refusal was written: Jetty must not answer 404 as well
    }
  }
}
