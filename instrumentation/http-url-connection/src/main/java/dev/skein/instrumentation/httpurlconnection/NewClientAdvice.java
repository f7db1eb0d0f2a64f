package dev.skein.instrumentation.httpurlconnection;

import dev.skein.bootstrap.instrumentation.httpurlconnection.HttpUrlConnectionCalls;
import dev.skein.bootstrap.instrumentation.httpurlconnection.HttpUrlConnectionRouting;
import dev.skein.bootstrap.instrumentation.httpurlconnection.MeshAnswer;
import java.net.HttpURLConnection;
import java.net.URL;
import net.bytebuddy.asm.Advice;

/**
 * Replaces the URL the JDK opens (or takes from its keep-alive cache) a connection for. The
 * connection's own URL is left alone, so {@code getURL()} and the {@code Host} header still name
 * the service.
 */
final class NewClientAdvice {
  private NewClientAdvice() {}

  // Not suppressed: the mesh's own answer (an injected abort) is thrown here, before anything is
  // written; the helpers catch every fault of their own.
  @Advice.OnMethodEnter
  static void enter(@Advice.Argument(value = 0, readOnly = false) URL url, @Advice.Argument(4) HttpURLConnection connection)
      throws java.io.IOException {
    URL target = HttpUrlConnectionRouting.target(url, connection);
    if (target != null) {
      url = target;
    }
    MeshAnswer answer = HttpUrlConnectionCalls.answer(connection);
    if (answer != null) {
      throw answer;
    }
  }
}
