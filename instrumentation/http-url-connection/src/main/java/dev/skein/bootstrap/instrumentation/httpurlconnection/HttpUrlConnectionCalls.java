package dev.skein.bootstrap.instrumentation.httpurlconnection;

import dev.skein.bootstrap.AgentFaults;
import dev.skein.bootstrap.Bridge;
import dev.skein.bootstrap.CallPolicy;
import dev.skein.bootstrap.ClientCalls;
import dev.skein.bootstrap.MeshCall;
import dev.skein.bootstrap.OutboundRoute;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
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
 * call. The trace headers go into the request head each time the JDK writes it.
 *
 * <p>Retries: a routed call's policy is a {@link MeshCall}, made as the JDK first connects (abort,
 * then, for every try, a slot on its endpoint under {@code maxRequestsPerEndpoint}, waited for on
 * the caller's thread, the breaker and the bulkhead). When the outermost {@code getInputStream}
 * ends, a retryable outcome (status or failure) is retried as {@link MeshCall#retryDelay} decides:
 * the connection is reset ({@link HttpUrlConnectionResend}), the next connect goes to the retry's
 * endpoint, and {@code getInputStream} runs again on the caller's thread, sending the same request
 * head and the body the JDK buffered; a streamed body is not sent again. Lives in the
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
    // The policy of a routed call, from its first connect; null when not routed.
    MeshCall mesh;
    // The current try holds its endpoint slot and the bulkhead (given back by mesh.finished).
    boolean admitted;
    // The mesh answered the current try itself (abort, refusal): its answer stands, no retry.
    boolean answered;
    // A retry is about to connect: take the retry's endpoint and admit it again.
    OutboundRoute retryTo;
    boolean readmit;
    // A connect failure's retries were decided where the JDK connects: not again at the read.
    boolean connectDecided;
    // The application's own read timeout, before the mesh's limit replaced it; -2 until routed.
    int ownReadTimeout = -2;
    // The outcome of the last getInputStream, for the retry loop around a nested one.
    int status;
    Throwable thrown;
  }

  /** The mesh chose {@code route} for the connection's next request (called as the JDK connects). */
  static void routed(HttpURLConnection connection, OutboundRoute route) {
    if (connection != null) {
      State s = state(connection);
      s.route = route;
      if (s.ownReadTimeout == -2) {
        s.ownReadTimeout = connection.getReadTimeout();
      }
    }
  }

  /** The endpoint a retry of this connection's call goes to (taken once), or {@code null}. */
  static OutboundRoute retryEndpoint(HttpURLConnection connection) {
    State s = connection == null ? null : STATES.get(connection);
    OutboundRoute to = s == null ? null : s.retryTo;
    if (to != null) {
      s.retryTo = null;
    }
    return to;
  }

  private static State state(HttpURLConnection connection) {
    return STATES.computeIfAbsent(connection, c -> new State());
  }

  /**
   * The JDK is about to write the request head {@code requests} (a {@code sun.net.www.MessageHeader}):
   * the call starts with the first write, each write is an attempt, each carries the trace headers.
   * A routed call's first write also sends the Route's mirror copy, if the dice chose one.
   *
   * @param poster the body the JDK buffered (a {@code ByteArrayOutputStream}), or {@code null}
   * @param streaming whether the body is streamed (fixed-length or chunked streaming mode)
   */
  public static void beforeWrite(HttpURLConnection connection, Object requests, Object poster, boolean streaming) {
    try {
      if (HttpUrlConnectionMirror.sending() != null) {
        return; // a mirror copy: no span, no trace headers of its own
      }
      State s = state(connection);
      if (s.call == null && s.inject == null) {
        URL url = connection.getURL();
        Map<String, String> inject = new HashMap<>();
        s.call =
            Bridge.clientStart(
                "http", s.route, connection.getRequestMethod(), url.toString(), url.getHost(), port(url), inject);
        s.inject = inject;
        delay(s.route, s.call);
        if (s.route != null && s.route.mirror() != null) {
          HttpUrlConnectionMirror.copy(connection, s.route.mirror(), requests, poster, streaming);
        }
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
   * Rolled once per connection as the JDK opens it for a routed request, and again for each
   * retry: the mesh's own answer (an injected abort, a refusal) or the failure (the call's
   * deadline passed while the try waited for an endpoint slot) to throw there, or {@code null}
   * to send.
   */
  public static IOException answer(HttpURLConnection connection) {
    try {
      State s = connection == null ? null : STATES.get(connection);
      if (s == null || s.route == null || (s.rolled && !s.readmit)) {
        return null;
      }
      boolean first = !s.rolled;
      s.rolled = true;
      s.readmit = false;
      if (first) {
        s.mesh = new MeshCall(s.route, connection.getRequestMethod(), 0, true, null);
      }
      int abort = first ? s.mesh.faultAbortStatus() : 0;
      MeshAnswer answer = null;
      if (abort > 0) {
        answer = new MeshAnswer(abort, ClientCalls.FAULT_HEADER, "abort");
      } else {
        // A slot on the endpoint (maxRequestsPerEndpoint), waited for on the caller's thread up
        // to the call's deadline; then the breaker and the bulkhead. The end of the try gives
        // both back (MeshCall.finished), a refusal gives the slot back at once.
        String refusal = ClientCalls.awaitSlot(s.mesh);
        if (refusal == ClientCalls.SLOT_WAIT_TIMED_OUT) {
          s.answered = true;
          startCall(connection, s);
          return new SocketTimeoutException("timed out waiting for a free slot on " + s.mesh.route().authority() + " (maxRequestsPerEndpoint)");
        }
        refusal = refusal != null ? s.mesh.refused(refusal) : s.mesh.admit();
        if (refusal != null) {
          answer = new MeshAnswer(503, ClientCalls.REFUSED_HEADER, refusal);
        } else {
          s.admitted = true;
          s.answered = false;
          return null;
        }
      }
      s.answered = true;
      startCall(connection, s);
      if (ClientCalls.FAULT_HEADER.equals(answer.header)) {
        Bridge.callFault(s.call, "abort", 0);
      } else if (!first) {
        Bridge.attemptEnd(Bridge.attemptStart(s.call, ++s.attempts, s.route), 503, null, s.mesh.decision());
      }
      return answer;
    } catch (InterruptedIOException e) {
      return e; // interrupted while waiting for a slot: the caller sees its interrupt
    } catch (Throwable t) {
      AgentFaults.record("http-url-connection-answer", t);
      return null;
    }
  }

  /** The call's span, for a call the mesh ends before the JDK writes anything. */
  private static void startCall(HttpURLConnection connection, State s) {
    if (s.call == null && s.inject == null) {
      URL url = connection.getURL();
      s.inject = new HashMap<>();
      s.call = Bridge.clientStart("http", s.route, connection.getRequestMethod(), url.toString(), url.getHost(), port(url), s.inject);
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

  /** The end of an admitted try: the breaker and outlier detection see its status, the bulkhead slot is given back. */
  private static void release(State s, int status) {
    if (s.admitted) {
      s.admitted = false;
      s.mesh.finished(Math.max(status, 0));
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
   * {@code getInputStream} returned or threw; the outermost one retries the call as its policy
   * says and ends it.
   *
   * @param status the connection's response code, -1 when there is none
   * @param poster the body the JDK buffered (a {@code ByteArrayOutputStream}), or {@code null}
   * @param streaming whether the body was streamed (fixed-length or chunked streaming mode)
   * @return {@code null} to keep what {@code getInputStream} returned or threw; else the outcome
   *     of the last retry, an {@code InputStream} to return or a {@code Throwable} to throw
   */
  public static Object readEnd(HttpURLConnection connection, int status, Throwable thrown, Object poster, boolean streaming) {
    Object outcome = null;
    try {
      int[] depth = READ_DEPTH.get();
      State s = STATES.get(connection);
      if (s != null) {
        s.status = status;
        s.thrown = thrown;
      }
      if (--depth[0] > 0) {
        return null;
      }
      depth[0] = 0;
      if (s == null) {
        return null;
      }
      if (s.mesh != null && !s.answered) {
        s.mesh.body(HttpUrlConnectionResend.bodyLength(poster, streaming), !streaming);
        outcome = retry(connection, s);
      }
      release(s, s.status);
      if (s.call == null) {
        return outcome;
      }
      STATES.remove(connection);
      Throwable error = s.status > 0 ? null : s.thrown;
      Bridge.attemptEnd(s.attempt, s.status, error, s.mesh == null ? null : s.mesh.decision());
      Bridge.clientEnd(s.call, s.status, error);
    } catch (Throwable t) {
      AgentFaults.record("http-url-connection-read", t);
    }
    return outcome;
  }

  /**
   * Retries the call while its policy says so: each retry resets the connection, waits the
   * backoff, and calls {@code getInputStream} again (nested: its end records its outcome in the
   * state) with the retry's endpoint and per-try read timeout.
   */
  private static Object retry(HttpURLConnection connection, State s) throws ReflectiveOperationException {
    Object outcome = null;
    while (!s.answered && !s.connectDecided) {
      int status = s.status;
      Throwable failure = status > 0 ? null : s.thrown;
      release(s, status);
      long backoff = s.mesh.retryDelay(Math.max(status, 0), failure);
      if (backoff == MeshCall.STOP || !HttpUrlConnectionResend.supported(connection)) {
        return outcome;
      }
      Bridge.attemptEnd(s.attempt, status > 0 ? status : -1, failure, s.mesh.decision());
      s.attempt = null;
      HttpUrlConnectionResend.reset(connection);
      if (backoff == MeshCall.TIMED_OUT) {
        return giveUp(connection, s, new SocketTimeoutException("Read timed out"));
      }
      if (backoff > 0) {
        try {
          Thread.sleep(backoff);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return giveUp(connection, s, new InterruptedIOException("interrupted during a retry backoff"));
        }
      }
      s.retryTo = s.mesh.route();
      s.readmit = true;
      long perTry = s.mesh.perTryMillis();
      int own = s.ownReadTimeout;
      connection.setReadTimeout((int) (perTry <= 0 ? Math.max(own, 0) : own <= 0 ? perTry : Math.min(own, perTry)));
      int[] depth = READ_DEPTH.get();
      depth[0]++;
      try {
        outcome = connection.getInputStream();
      } catch (Throwable t) {
        outcome = t;
      } finally {
        depth[0]--;
        s.retryTo = null;
        s.readmit = false;
      }
    }
    return outcome;
  }

  private static final ThreadLocal<Boolean> RECONNECTING = new ThreadLocal<>();

  /**
   * The JDK could not open the connection of a routed call: retried on the retry's endpoint as
   * the call's policy says, by opening it again ({@link HttpUrlConnectionResend#connect}) with the
   * connection's own URL, which the routing advice turns into the endpoint's.
   *
   * @return {@code null} to keep the failure; else the JDK's HTTP client of a retry that connected,
   *     or the failure to throw instead
   */
  public static Object reconnect(HttpURLConnection connection, Throwable thrown, java.net.Proxy proxy, int connectTimeout, boolean useCache) {
    State s = connection == null ? null : STATES.get(connection);
    if (s != null && s.mesh != null && !connectFailure(thrown)) {
      // Opened but failed (a TLS handshake): the try's endpoint slot and bulkhead slot go back
      // now, since the application may never read or disconnect this connection.
      release(s, 0);
    }
    if (s == null || s.mesh == null || s.answered || RECONNECTING.get() != null || !connectFailure(thrown)) {
      return null;
    }
    RECONNECTING.set(Boolean.TRUE);
    Throwable failure = thrown;
    try {
      while (true) {
        release(s, 0);
        long backoff = s.mesh.retryDelay(0, failure);
        s.connectDecided = true;
        if (backoff == MeshCall.STOP || backoff == MeshCall.TIMED_OUT) {
          return failure == thrown ? null : failure;
        }
        if (backoff > 0) {
          Thread.sleep(backoff);
        }
        s.retryTo = s.mesh.route();
        s.readmit = true;
        try {
          Object client = HttpUrlConnectionResend.connect(connection.getURL(), proxy, connectTimeout, useCache, connection);
          s.connectDecided = false;
          return client;
        } catch (java.lang.reflect.InvocationTargetException e) {
          failure = e.getCause();
          if (!connectFailure(failure)) {
            return failure; // the mesh's own answer (a refusal), or another failure
          }
        } finally {
          s.retryTo = null;
          s.readmit = false;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return failure == thrown ? null : failure;
    } catch (Throwable t) {
      AgentFaults.record("http-url-connection-reconnect", t);
      return failure == thrown ? null : failure;
    } finally {
      RECONNECTING.remove();
    }
  }

  private static boolean connectFailure(Throwable t) {
    return t instanceof java.net.ConnectException || t instanceof java.net.NoRouteToHostException;
  }

  /** The call ends with {@code failure} instead of a further try; later reads throw it too. */
  private static Object giveUp(HttpURLConnection connection, State s, IOException failure) throws ReflectiveOperationException {
    HttpUrlConnectionResend.remember(connection, failure);
    s.status = -1;
    s.thrown = failure;
    return failure;
  }
}
