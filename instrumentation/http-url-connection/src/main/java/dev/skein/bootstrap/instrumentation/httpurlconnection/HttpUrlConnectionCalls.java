package dev.skein.bootstrap.instrumentation.httpurlconnection;

import dev.skein.bootstrap.AgentFaults;
import dev.skein.bootstrap.Bridge;
import dev.skein.bootstrap.CallPolicy;
import dev.skein.bootstrap.OutboundRoute;
import java.lang.reflect.Method;
import java.net.HttpURLConnection;
import java.net.URL;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * Telemetry of {@code HttpURLConnection} calls. A connection object is one logical call: its span
 * starts when the JDK first writes the request head (the first byte out) and ends when the
 * connection first hands its response (or its failure) to the caller; a re-send by the JDK (a stale
 * keep-alive connection, a redirect, an authentication round) is a further attempt of the same
 * call. The trace headers go into the request head each time the JDK writes it. Lives in the
 * bootstrap loader and uses only {@code java.base} types; the JDK's own {@code MessageHeader}
 * is reached through its public {@code set} method, its package being opened to this loader.
 */
public final class HttpUrlConnectionCalls {
  private static final Map<HttpURLConnection, State> STATES = Collections.synchronizedMap(new WeakHashMap<>());
  private static final ThreadLocal<int[]> READ_DEPTH = ThreadLocal.withInitial(() -> new int[1]);
  private static volatile Method set;

  private HttpUrlConnectionCalls() {}

  /** What one connection's call carries between the JDK's calls. */
  private static final class State {
    OutboundRoute route;
    Object call;
    Map<String, String> inject;
    Object attempt;
    int attempts;
  }

  /** The mesh chose {@code route} for the connection's next request (called as the JDK connects). */
  static void routed(HttpURLConnection connection, OutboundRoute route) {
    if (connection != null) {
      state(connection).route = route;
    }
  }

  private static State state(HttpURLConnection connection) {
    return STATES.computeIfAbsent(connection, c -> new State());
  }

  /**
   * The JDK is about to write the request head {@code requests} (a {@code sun.net.www.MessageHeader}):
   * the call starts with the first write, each write is an attempt, each carries the trace headers.
   */
  public static void beforeWrite(HttpURLConnection connection, Object requests) {
    try {
      State s = state(connection);
      if (s.call == null && s.inject == null) {
        URL url = connection.getURL();
        Map<String, String> inject = new HashMap<>();
        s.call =
            Bridge.clientStart(
                "http", s.route, connection.getRequestMethod(), url.toString(), url.getHost(), port(url), inject);
        s.inject = inject;
        delay(s.route);
      }
      if (s.route != null && s.call != null) {
        Bridge.attemptEnd(s.attempt, -1, null, "jdk-resend");
        s.attempt = Bridge.attemptStart(s.call, ++s.attempts, s.route);
      }
      if (requests != null && !s.inject.isEmpty()) {
        Method m = setter(requests);
        for (Map.Entry<String, String> header : s.inject.entrySet()) {
          m.invoke(requests, header.getKey(), header.getValue());
        }
      }
    } catch (Throwable t) {
      AgentFaults.record("http-url-connection-write", t);
    }
  }

  /** An injected delay, on the caller's thread, before the first byte leaves. */
  private static void delay(OutboundRoute route) {
    CallPolicy policy = route == null ? null : route.policy();
    if (policy != null && policy.delayNow()) {
      try {
        Thread.sleep(policy.delayMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static int port(URL url) {
    return url.getPort() == -1 ? url.getDefaultPort() : url.getPort();
  }

  private static Method setter(Object requests) throws NoSuchMethodException {
    Method m = set;
    if (m == null) {
      m = requests.getClass().getMethod("set", String.class, String.class);
      set = m;
    }
    return m;
  }

  /** {@code getInputStream} begins (it nests: the JDK calls it from inside itself). */
  public static void readBegin() {
    READ_DEPTH.get()[0]++;
  }

  /**
   * {@code getInputStream} returned or threw; the outermost one ends the call.
   *
   * @param status the connection's response code, -1 when there is none
   */
  public static void readEnd(HttpURLConnection connection, int status, Throwable thrown) {
    try {
      int[] depth = READ_DEPTH.get();
      if (--depth[0] > 0) {
        return;
      }
      depth[0] = 0;
      State s = STATES.get(connection);
      if (s == null || s.call == null) {
        return;
      }
      STATES.remove(connection);
      Throwable error = status > 0 ? null : thrown;
      Bridge.attemptEnd(s.attempt, status, error, null);
      Bridge.clientEnd(s.call, status, error);
    } catch (Throwable t) {
      AgentFaults.record("http-url-connection-read", t);
    }
  }
}
