package dev.skein.instrumentation.tomcat;

import dev.skein.bootstrap.Bridge;
import net.bytebuddy.asm.Advice;
import org.apache.coyote.Response;

/**
 * Around {@code CoyoteAdapter.service(coyote Request, coyote Response)}: a request past this
 * instance's RateLimitPolicy gets an empty 429 with {@code x-skein-refused: rate-limited} and
 * never reaches the container; the connector's processor finishes the response as it does after
 * any request. Every other request goes on untouched.
 */
final class AdapterServiceAdvice {
  private AdapterServiceAdvice() {}

  /** @return {@code true} when the request was refused: the original method is skipped */
  @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class, suppress = Throwable.class)
  static boolean enter(@Advice.Argument(1) Response response) {
    if (Bridge.admitInbound("http")) {
      return false;
    }
    response.setStatus(429);
    response.addHeader("x-skein-refused", "rate-limited");
    response.setContentLength(0);
    return true;
  }
}
