package dev.skein.bootstrap.instrumentation.httpurlconnection;

import dev.skein.bootstrap.AgentFaults;
import dev.skein.bootstrap.AgentLog;
import dev.skein.bootstrap.MeshCall;
import dev.skein.bootstrap.OutboundRoute;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.net.HttpURLConnection;
import java.net.URL;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Route {@code mirror} for {@code HttpURLConnection}: as the JDK first writes a routed request, a
 * copy (method, the application's headers, the body the JDK buffered) is handed to a small pool of
 * the mesh's own and sent from there with an {@code HttpURLConnection} of its own to the mirror
 * endpoint, fire-and-forget: its answer read and dropped, any failure ignored. The JDK's client is
 * blocking, so the copy cannot ride the caller's thread without holding it up; the pool is bounded
 * (threads and queued copies) so that a slow mirror cannot pile up threads or memory: a copy past
 * the bound is dropped, counted, and logged once. A streamed body (fixed-length or chunked
 * streaming mode) went out as the application wrote it, and a buffered one over 64 KiB is not
 * kept: such calls are not copied.
 */
final class HttpUrlConnectionMirror {
  // Two threads and 64 waiting copies (each body at most 64 KiB): at most ~4 MiB held for a mirror
  // that has stopped answering, and each copy gives up after the timeouts below.
  private static final int THREADS = 2;
  private static final int QUEUED = 64;
  private static final int CONNECT_TIMEOUT_MILLIS = 2_000;
  private static final int READ_TIMEOUT_MILLIS = 10_000;
  // The mirror endpoint of the copy this thread is sending, for the routing advice.
  private static final ThreadLocal<OutboundRoute> SENDING = new ThreadLocal<>();
  private static final AtomicLong DROPPED = new AtomicLong();
  private static volatile ThreadPoolExecutor pool;
  private static volatile Method headers;

  private HttpUrlConnectionMirror() {}

  /** One request to copy, taken on the caller's thread. */
  private record Copy(URL url, String method, List<String[]> headers, byte[] body, OutboundRoute mirror) {}

  /**
   * Copies the request the JDK is about to write for the first time, if it can be copied, and
   * queues the copy; never blocks, never throws.
   *
   * @param requests the request head the JDK holds (a {@code sun.net.www.MessageHeader}), with
   *     the application's headers and before the JDK's own and the trace headers go in
   * @param poster the body the JDK buffered (a {@code ByteArrayOutputStream}), or {@code null}
   */
  static void copy(HttpURLConnection connection, OutboundRoute mirror, Object requests, Object poster, boolean streaming) {
    try {
      if (streaming || mirror == null || requests == null) {
        return;
      }
      byte[] body = new byte[0];
      if (poster instanceof ByteArrayOutputStream) {
        ByteArrayOutputStream buffered = (ByteArrayOutputStream) poster;
        if (buffered.size() > MeshCall.MAX_REPLAY_BYTES) {
          return;
        }
        body = buffered.toByteArray();
      }
      Copy copy =
          new Copy(connection.getURL(), connection.getRequestMethod(), headers(requests), body, mirror);
      pool().execute(() -> send(copy));
    } catch (Throwable t) {
      AgentFaults.record("http-url-connection-mirror", t);
    }
  }

  /** The mirror endpoint when this thread is sending a copy (the routing advice sends it there), else {@code null}. */
  static OutboundRoute sending() {
    return SENDING.get();
  }

  @SuppressWarnings("unchecked")
  private static List<String[]> headers(Object requests) throws ReflectiveOperationException {
    Method m = headers;
    if (m == null) {
      m = requests.getClass().getMethod("getHeaders");
      headers = m;
    }
    List<String[]> copied = new ArrayList<>();
    for (Map.Entry<String, List<String>> header : ((Map<String, List<String>>) m.invoke(requests)).entrySet()) {
      String name = header.getKey();
      // null: the request line, when the JDK re-sends; the rest are the connection's own
      if (name != null && !hopByHop(name)) {
        for (String value : header.getValue()) {
          copied.add(new String[] {name, value});
        }
      }
    }
    return copied;
  }

  private static boolean hopByHop(String name) {
    return name.equalsIgnoreCase("Content-Length") || name.equalsIgnoreCase("Transfer-Encoding") || name.equalsIgnoreCase("Connection")
        || name.equalsIgnoreCase("Keep-Alive") || name.equalsIgnoreCase("Expect");
  }

  /** On a pool thread: sends the copy to the mirror endpoint and drops its answer. */
  private static void send(Copy copy) {
    SENDING.set(copy.mirror);
    HttpURLConnection connection = null;
    try {
      // The service's own URL, so Host names the service as for the real call; the routing
      // advice sends it to the mirror endpoint (with the mesh's TLS when that endpoint takes it).
      connection = (HttpURLConnection) copy.url.openConnection();
      connection.setInstanceFollowRedirects(false);
      // The copy's answer is dropped, so nothing of it may reach the application's state: not
      // its response cache, not its cookie store, and a 401 from the mirror gets no credentials.
      connection.setUseCaches(false);
      connection.setAuthenticator(NO_CREDENTIALS);
      withoutCookies(connection);
      connection.setConnectTimeout(CONNECT_TIMEOUT_MILLIS);
      connection.setReadTimeout(READ_TIMEOUT_MILLIS);
      connection.setRequestMethod(copy.method);
      for (String[] header : copy.headers) {
        connection.addRequestProperty(header[0], header[1]);
      }
      if (copy.body.length > 0) {
        connection.setDoOutput(true);
        connection.setFixedLengthStreamingMode(copy.body.length);
        try (OutputStream out = connection.getOutputStream()) {
          out.write(copy.body);
        }
      }
      int status = connection.getResponseCode();
      // Read to the end so the JDK keeps the connection for the next copy.
      try (InputStream in = status >= 400 ? connection.getErrorStream() : connection.getInputStream()) {
        if (in != null) {
          in.transferTo(OutputStream.nullOutputStream());
        }
      }
    } catch (Throwable t) {
      // The copy's failure is ignored: the real call never sees it.
      if (connection != null) {
        connection.disconnect();
      }
      if (AgentLog.enabled(AgentLog.Level.DEBUG)) {
        AgentLog.debug("mirror copy to " + copy.mirror.authority() + " failed: " + t);
      }
    } finally {
      SENDING.remove();
    }
  }

  private static final java.net.Authenticator NO_CREDENTIALS = new java.net.Authenticator() {};
  private static volatile Field cookieHandler;

  /**
   * The JDK's connection takes the default {@code CookieHandler} when it is made and stores the
   * answer's {@code Set-Cookie} there; there is no public switch, so the copy's field is cleared.
   */
  private static void withoutCookies(HttpURLConnection connection) {
    try {
      Field f = cookieHandler;
      if (f == null) {
        Class<?> type = connection.getClass();
        while (type != null && !type.getName().equals("sun.net.www.protocol.http.HttpURLConnection")) {
          type = type.getSuperclass();
        }
        if (type == null) {
          return;
        }
        f = type.getDeclaredField("cookieHandler");
        f.setAccessible(true);
        cookieHandler = f;
      }
      f.set(connection, null);
    } catch (ReflectiveOperationException | RuntimeException e) {
      AgentFaults.record("http-url-connection-mirror", e);
    }
  }

  private static ThreadPoolExecutor pool() {
    ThreadPoolExecutor p = pool;
    if (p == null) {
      synchronized (HttpUrlConnectionMirror.class) {
        p = pool;
        if (p == null) {
          p =
              new ThreadPoolExecutor(
                  THREADS,
                  THREADS,
                  30,
                  TimeUnit.SECONDS,
                  new ArrayBlockingQueue<>(QUEUED),
                  r -> {
                    Thread t = new Thread(r, "skein-mirror-http-url-connection");
                    t.setDaemon(true);
                    t.setContextClassLoader(null); // not the application's loader of the first caller
                    return t;
                  },
                  (r, executor) -> drop());
          p.allowCoreThreadTimeOut(true);
          pool = p;
        }
      }
    }
    return p;
  }

  private static void drop() {
    if (DROPPED.getAndIncrement() == 0) {
      AgentLog.warn(
          "HttpURLConnection mirror: a copy was dropped, " + (THREADS + QUEUED)
              + " copies already in flight (the mirror is slow); further drops are counted, not logged");
    }
  }
}
