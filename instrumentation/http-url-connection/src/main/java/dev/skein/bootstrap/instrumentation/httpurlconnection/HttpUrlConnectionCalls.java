package dev.skein.bootstrap.instrumentation.httpurlconnection;

import dev.skein.bootstrap.AgentFaults;
import dev.skein.bootstrap.Bridge;
import dev.skein.bootstrap.CallPolicy;
import dev.skein.bootstrap.ClientCalls;
import dev.skein.bootstrap.OutboundRoute;
import java.io.IOException;
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
    boolean rolled;
    long admitted;
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
        delay(s.route, s.call);
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
  private static void delay(OutboundRoute route, Object call) {
    CallPolicy policy = route == null ? null : route.policy();
    if (policy != null && policy.delayNow()) {
      Bridge.callFault(call, "delay", policy.delayMillis());
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

  /**
   * Rolled once per connection as the JDK opens it for a routed request: the mesh's own answer
   * (an injected abort) to throw there, or {@code null} to send.
   */
  public static MeshAnswer answer(HttpURLConnection connection) {
    try {
      State s = connection == null ? null : STATES.get(connection);
      if (s == null || s.route == null || s.rolled) {
        return null;
      }
      s.rolled = true;
      CallPolicy policy = s.route.policy();
      MeshAnswer answer = null;
      if (policy != null && policy.abortHttpStatus() > 0 && policy.abortNow()) {
        answer = new MeshAnswer(policy.abortHttpStatus(), ClientCalls.FAULT_HEADER, "abort");
      } else {
        // The breaker, then the bulkhead, whose slot the end of the call gives back.
        String refusal = s.route.permit();
        if (refusal == null) {
          refusal = s.route.admit();
        }
        if (refusal != null) {
          answer = new MeshAnswer(503, ClientCalls.REFUSED_HEADER, refusal);
        } else {
          s.admitted = System.nanoTime();
          return null;
        }
      }
      if (s.call == null && s.inject == null) {
        URL url = connection.getURL();
        s.inject = new HashMap<>();
        s.call = Bridge.clientStart("http", s.route, connection.getRequestMethod(), url.toString(), url.getHost(), port(url), s.inject);
      }
      if (ClientCalls.FAULT_HEADER.equals(answer.header)) {
        Bridge.callFault(s.call, "abort", 0);
      }
      return answer;
    } catch (Throwable t) {
      AgentFaults.record("http-url-connection-answer", t);
      return null;
    }
  }

  /** The JDK's response head for the mesh's own answer (a {@code sun.net.www.MessageHeader}). */
  public static Object responseHead(MeshAnswer answer) throws ReflectiveOperationException {
    Class<?> type = Class.forName("sun.net.www.MessageHeader");
    Object head = type.getConstructor().newInstance();
    Method add = type.getMethod("add", String.class, String.class);
    add.invoke(head, null, "HTTP/1.1 " + answer.status + " " + (answer.status == 503 ? "Service Unavailable" : "Mesh Fault"));
    add.invoke(head, answer.header, answer.value);
    add.invoke(head, "Content-Length", Integer.toString(answer.value.length()));
    return head;
  }

  /** The exception {@code getInputStream} throws for the mesh's answer, in the JDK's words. */
  public static IOException readFailure(MeshAnswer answer, URL url) {
    return answer.status == 404 || answer.status == 410
        ? new java.io.FileNotFoundException(url.toString())
        : new IOException("Server returned HTTP response code: " + answer.status + " for URL: " + url);
  }

  /** The end of an admitted call: the breaker and outlier detection see its status, the bulkhead slot is given back. */
  private static void release(State s, int status) {
    if (s.admitted != 0) {
      long started = s.admitted;
      s.admitted = 0;
      s.route.finished(Math.max(status, 0), System.nanoTime() - started);
    }
  }

  /** The application disconnected: a call never read gives its bulkhead slot back. */
  public static void disconnected(HttpURLConnection connection) {
    try {
      State s = connection == null ? null : STATES.get(connection);
      if (s != null) {
        release(s, 0);
      }
    } catch (Throwable t) {
      AgentFaults.record("http-url-connection-disconnect", t);
    }
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
      if (s == null) {
        return;
      }
      release(s, status);
      if (s.call == null) {
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
