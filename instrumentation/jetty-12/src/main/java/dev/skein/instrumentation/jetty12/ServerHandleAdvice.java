package dev.skein.instrumentation.jetty12;

import dev.skein.bootstrap.Bridge;
import net.bytebuddy.asm.Advice;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Around {@code Server.handle(Request, Response, Callback)}: a request past this instance's
 * RateLimitPolicy is answered 429 with {@code x-skein-refused: rate-limited} and the server's
 * handlers are skipped; every other request goes on untouched.
 */
final class ServerHandleAdvice {
  private ServerHandleAdvice() {}

  /** @return {@code true} when the request was refused: the original method is skipped */
  @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class, suppress = Throwable.class)
  static boolean enter(
      @Advice.Argument(0) Request request, @Advice.Argument(1) Response response, @Advice.Argument(2) Callback callback) {
    if (Bridge.admitInbound("http")) {
      return false;
    }
    response.getHeaders().put("x-skein-refused", "rate-limited");
    Response.writeError(request, response, callback, 429);
    return true;
  }

  @Advice.OnMethodExit(suppress = Throwable.class)
  static void exit(@Advice.Enter boolean refused, @Advice.Return(readOnly = false) boolean handled) {
    if (refused) {
      handled = true; // the 429 was written: Jetty must not answer 404 as well
    }
  }
}
