package dev.skein.bootstrap.instrumentation.httpurlconnection;

import java.io.ByteArrayOutputStream;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.net.HttpURLConnection;

/**
 * Puts a JDK {@code HttpURLConnection} whose request got an answer (or failed) back to the state
 * it had before it first connected, so that {@code getInputStream} sends the same request again:
 * the request head ({@code requests}) and a body the JDK buffered ({@code poster}) are kept, the
 * connection to the last endpoint is closed and the response, its error stream and the remembered
 * failure are forgotten. The JDK's own private members are reached by reflection, their package
 * being opened to this loader; a JDK without them gets no retries.
 */
final class HttpUrlConnectionResend {
  private static final String CONNECTION = "sun.net.www.protocol.http.HttpURLConnection";
  private static volatile Members members;

  private HttpUrlConnectionResend() {}

  /** The JDK's private members that a re-send resets. */
  private record Members(Method disconnectInternal, Method resetHead, Field responses, Field[] cleared, Field failedOnce) {}

  /**
   * The length of the body the JDK buffered ({@code poster}, a {@code ByteArrayOutputStream}), 0
   * for none, -1 for a streamed body ({@code setFixedLengthStreamingMode}, {@code
   * setChunkedStreamingMode}): it went out as the application wrote it and cannot be sent again.
   */
  static long bodyLength(Object poster, boolean streaming) {
    if (streaming) {
      return -1;
    }
    return poster instanceof ByteArrayOutputStream ? ((ByteArrayOutputStream) poster).size() : 0;
  }

  /** Whether this connection's class is the JDK's and its members were found. */
  static boolean supported(HttpURLConnection connection) {
    return members(connection) != null;
  }

  /** Closes the last try's connection and forgets its answer; the next {@code getInputStream} sends again. */
  static void reset(HttpURLConnection connection) throws ReflectiveOperationException {
    Members m = members(connection);
    m.disconnectInternal.invoke(connection); // closes the socket; responseCode -1, no input stream
    for (Field f : m.cleared) {
      f.set(connection, null);
    }
    m.failedOnce.setBoolean(connection, false);
    Object responses = m.responses.get(connection);
    if (responses != null) {
      m.resetHead.invoke(responses);
    }
  }

  private static volatile Method newClient;

  /**
   * Opens the JDK's HTTP client for {@code connection} again, as {@code plainConnect} does
   * ({@code sun.net.www.http.HttpClient.New}): the routing advice sends it to the retry's endpoint.
   *
   * @throws java.lang.reflect.InvocationTargetException with what opening it threw
   */
  static Object connect(java.net.URL url, java.net.Proxy proxy, int connectTimeout, boolean useCache, HttpURLConnection connection)
      throws ReflectiveOperationException {
    Method m = newClient;
    if (m == null) {
      Class<?> connectionType = Class.forName(CONNECTION);
      m = Class.forName("sun.net.www.http.HttpClient")
          .getMethod("New", java.net.URL.class, java.net.Proxy.class, int.class, boolean.class, connectionType);
      newClient = m;
    }
    return m.invoke(null, url, proxy, connectTimeout, useCache, connection);
  }

  /** After {@link #reset}: later reads of the connection throw {@code failure}, as the JDK's own do. */
  static void remember(HttpURLConnection connection, Exception failure) throws ReflectiveOperationException {
    Members m = members(connection);
    m.cleared[0].set(connection, failure);
  }

  private static Members members(HttpURLConnection connection) {
    Members m = members;
    if (m != null) {
      return m;
    }
    Class<?> type = connection.getClass();
    while (type != null && !type.getName().equals(CONNECTION)) {
      type = type.getSuperclass();
    }
    if (type == null) {
      return null;
    }
    try {
      Method disconnect = type.getDeclaredMethod("disconnectInternal");
      Field responses = type.getDeclaredField("responses");
      Field[] cleared = {
        type.getDeclaredField("rememberedException"), type.getDeclaredField("errorStream"), type.getDeclaredField("filteredHeaders")
      };
      Field failedOnce = type.getDeclaredField("failedOnce");
      Method resetHead = responses.getType().getMethod("reset");
      disconnect.setAccessible(true);
      responses.setAccessible(true);
      failedOnce.setAccessible(true);
      for (Field f : cleared) {
        f.setAccessible(true);
      }
      m = new Members(disconnect, resetHead, responses, cleared, failedOnce);
    } catch (ReflectiveOperationException | RuntimeException e) {
      dev.skein.bootstrap.AgentFaults.record("http-url-connection-resend", e);
      return null;
    }
    members = m;
    return m;
  }
}
