package dev.skein.instrumentation.httpurlconnection;

import dev.skein.bootstrap.instrumentation.httpurlconnection.HttpUrlConnectionCalls;
import dev.skein.bootstrap.instrumentation.httpurlconnection.HttpUrlConnectionRouting;
import java.net.HttpURLConnection;
import java.net.Proxy;
import java.net.URL;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.implementation.bytecode.assign.Assigner;

/**
 * Replaces the URL the JDK opens (or takes from its keep-alive cache) a connection for. The
 * connection's own URL is left alone, so {@code getURL()} and the {@code Host} header still name
 * the service.
 */
final class NewClientAdvice {
  private NewClientAdvice() {}

  // Not suppressed: the mesh's own answer (an injected abort, a refusal) or the end of a wait for
  // an endpoint slot is thrown here, before anything is written; the helpers catch every fault of
  // their own.
  @Advice.OnMethodEnter
  static void enter(@Advice.Argument(value = 0, readOnly = false) URL url, @Advice.Argument(4) HttpURLConnection connection)
      throws java.io.IOException {
    URL target = HttpUrlConnectionRouting.target(url, connection);
    if (target != null) {
      url = target;
    }
    java.io.IOException answer = HttpUrlConnectionCalls.answer(connection);
    if (answer != null) {
      throw answer;
    }
  }

  /**
   * A routed connection that could not be opened is retried here, on another endpoint, as the
   * Route says: wherever the JDK connects ({@code connect()}, {@code getOutputStream()} or
   * {@code getInputStream()}), nothing was sent yet.
   */
  @Advice.OnMethodExit(onThrowable = Throwable.class)
  static void exit(
      @Advice.Argument(1) Proxy proxy,
      @Advice.Argument(2) int connectTimeout,
      @Advice.Argument(3) boolean useCache,
      @Advice.Argument(4) HttpURLConnection connection,
      @Advice.Return(readOnly = false, typing = Assigner.Typing.DYNAMIC) Object client,
      @Advice.Thrown(readOnly = false) Throwable thrown) {
    if (thrown != null) {
      Object retried = HttpUrlConnectionCalls.reconnect(connection, thrown, proxy, connectTimeout, useCache);
      if (retried instanceof Throwable) {
        thrown = (Throwable) retried;
      } else if (retried != null) {
        client = retried;
        thrown = null;
      }
    }
  }
}
