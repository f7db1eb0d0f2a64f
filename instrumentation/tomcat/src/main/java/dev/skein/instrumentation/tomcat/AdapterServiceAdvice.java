package dev.skein.instrumentation.tomcat;

import dev.skein.bootstrap.Bridge;
import dev.skein.bootstrap.InboundDecision;
import dev.skein.instrumentation.tomcat.inbound.TomcatInbound;
import net.bytebuddy.asm.Advice;
import org.apache.coyote.Request;
import org.apache.coyote.Response;

/**
 * Around {@code CoyoteAdapter.service(coyote Request, coyote Response)}: the engine's inbound
 * decision (authorization, rate limit). A refused request gets an empty 403 or 429 with
 * {@code x-skein-refused} and never reaches the container; the connector's processor finishes the
 * response as it does after any request. Any other request gets a server span, current while the
 * container runs it.
 */
final class AdapterServiceAdvice {
  private AdapterServiceAdvice() {}

  /** @return {@code true} when the request was refused: the original method is skipped */
  @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class, suppress = Throwable.class)
  static boolean enter(
      @Advice.Argument(0) Request request,
      @Advice.Argument(1) Response response,
      @Advice.Local("skeinCall") Object call,
      @Advice.Local("skeinScope") Object scope) {
    InboundDecision decision = TomcatInbound.decide(request, response);
    if (decision.refused()) {
      return true;
    }
    call = decision.call();
    scope = Bridge.attach(call);
    return false;
  }

  @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
  static void exit(
      @Advice.Argument(0) Request request,
      @Advice.Argument(1) Response response,
      @Advice.Thrown Throwable thrown,
      @Advice.Local("skeinCall") Object call,
      @Advice.Local("skeinScope") Object scope) {
    Bridge.detach(scope);
    TomcatInbound.serviced(call, request, response, thrown);
  }
}
