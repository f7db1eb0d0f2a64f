package dev.skein.core.etcd;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * One HTTP/1.1 POST over a plain socket ({@code https} over the JDK's default TLS socket factory,
 * with host name verification), answering the body of a 200 response: whole, or as a stream of
 * lines for a response that lasts (etcd's watch).
 *
 * <p>Why not {@code java.net.http}: the agent instruments the JDK's HTTP client, so its first use
 * waits until Byte Buddy is ready (a second or more on a cold, busy JVM), and building one
 * initialises the default SSL context even for plain text. Reading the first snapshot with it put
 * both on the application's first request. A socket needs neither. Not an HTTP client library:
 * this is the agent's whole etcd client (a handful of small POSTs a few seconds apart, and one
 * long response per watch), and a library's classes would load in every application JVM.
 */
final class PlainHttpPost {
  private static final int MAX_BODY = 64 * 1024 * 1024;

  private PlainHttpPost() {}

  static String post(String url, String json, String authorization, Duration timeout) throws IOException {
    try (Socket socket = send(url, json, authorization, timeout)) {
      return readResponse(new java.io.BufferedInputStream(socket.getInputStream()), url);
    }
  }

  /**
   * Sends the POST and reads the response's head; answers a stream of its body, read as it
   * arrives (a watch: one JSON message per line, for as long as the connection lasts). Reads wait
   * without a timeout: closing the stream is what ends one.
   */
  static BodyStream stream(String url, String json, String authorization, Duration connectTimeout) throws IOException {
    Socket socket = send(url, json, authorization, connectTimeout);
    try {
      InputStream in = new java.io.BufferedInputStream(socket.getInputStream());
      Head head = readHead(in, url);
      if (head.status != 200) {
        byte[] body = readBody(in, head);
        throw new IOException(url + " answered " + head.status + ": " + new String(body, 0, Math.min(body.length, 300), StandardCharsets.UTF_8));
      }
      socket.setSoTimeout(0);
      return new BodyStream(socket, head.chunked ? new ChunkedBody(in) : head.length >= 0 ? new BoundedBody(in, head.length) : in);
    } catch (IOException | RuntimeException e) {
      socket.close();
      throw e;
    }
  }

  /** A response body being read, and the connection it comes on: closing it closes both. */
  static final class BodyStream implements java.io.Closeable {
    private final Socket socket;
    private final InputStream body;

    private BodyStream(Socket socket, InputStream body) {
      this.socket = socket;
      this.body = body;
    }

    /** The next line of the body without its end, or null at the end of the body. */
    byte[] readLine() throws IOException {
      ByteArrayOutputStream line = new ByteArrayOutputStream(256);
      for (int c = body.read(); c != '\n'; c = body.read()) {
        if (c < 0) {
          return line.size() == 0 ? null : line.toByteArray();
        }
        if (line.size() >= MAX_BODY) {
          throw new IOException("response line larger than " + MAX_BODY + " bytes");
        }
        line.write(c);
      }
      return line.toByteArray();
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  private static Socket send(String url, String json, String authorization, Duration timeout) throws IOException {
    URI uri = URI.create(url);
    boolean tls = "https".equalsIgnoreCase(uri.getScheme());
    int port = uri.getPort() > 0 ? uri.getPort() : tls ? 443 : 80;
    int millis = (int) Math.max(1, timeout.toMillis());
    Socket socket = open(uri.getHost(), port, tls, millis);
    try {
      byte[] body = json.getBytes(StandardCharsets.UTF_8);
      String head =
          "POST " + uri.getRawPath() + " HTTP/1.1\r\nHost: " + uri.getHost() + ":" + port
              + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\nConnection: close\r\n"
              + (authorization == null ? "" : "Authorization: " + authorization + "\r\n") + "\r\n";
      // Buffered: the head and the body leave in one segment, not two.
      java.io.BufferedOutputStream out = new java.io.BufferedOutputStream(socket.getOutputStream(), head.length() + body.length);
      out.write(head.getBytes(StandardCharsets.ISO_8859_1));
      out.write(body);
      out.flush();
      return socket;
    } catch (IOException | RuntimeException e) {
      socket.close();
      throw e;
    }
  }

  private static Socket open(String host, int port, boolean tls, int millis) throws IOException {
    Socket plain = new Socket();
    try {
      plain.connect(new InetSocketAddress(host, port), millis);
      plain.setSoTimeout(millis);
      plain.setTcpNoDelay(true);
      if (!tls) {
        return plain;
      }
      SSLSocket ssl = (SSLSocket) ((SSLSocketFactory) SSLSocketFactory.getDefault()).createSocket(plain, host, port, true);
      SSLParameters parameters = ssl.getSSLParameters();
      parameters.setEndpointIdentificationAlgorithm("HTTPS");
      ssl.setSSLParameters(parameters);
      ssl.startHandshake();
      return ssl;
    } catch (IOException | RuntimeException e) {
      plain.close();
      throw e;
    }
  }

  private record Head(int status, long length, boolean chunked) {}

  /** Status line, headers, then a body framed by Content-Length, chunks, or the end of the stream. */
  static String readResponse(InputStream in, String url) throws IOException {
    Head head = readHead(in, url);
    byte[] body = readBody(in, head);
    if (head.status != 200) {
      String text = new String(body, 0, Math.min(body.length, 300), StandardCharsets.UTF_8);
      throw new IOException(url + " answered " + head.status + ": " + text);
    }
    return new String(body, StandardCharsets.UTF_8);
  }

  private static Head readHead(InputStream in, String url) throws IOException {
    String status = line(in);
    String[] parts = status.split(" ", 3);
    if (parts.length < 2 || !parts[0].startsWith("HTTP/") || !parts[1].matches("[0-9]{3}")) {
      throw new IOException(url + " answered a malformed status line: " + status);
    }
    long length = -1;
    boolean chunked = false;
    for (String header = line(in); !header.isEmpty(); header = line(in)) {
      int colon = header.indexOf(':');
      if (colon <= 0) {
        continue;
      }
      String name = header.substring(0, colon).trim().toLowerCase(Locale.ROOT);
      String value = header.substring(colon + 1).trim();
      if (name.equals("content-length")) {
        length = Long.parseLong(value);
      } else if (name.equals("transfer-encoding") && value.toLowerCase(Locale.ROOT).contains("chunked")) {
        chunked = true;
      }
    }
    return new Head(Integer.parseInt(parts[1]), length, chunked);
  }

  private static byte[] readBody(InputStream in, Head head) throws IOException {
    if (head.chunked) {
      ByteArrayOutputStream buffer = new ByteArrayOutputStream();
      for (int size = chunkSize(line(in)); size > 0; size = chunkSize(line(in))) {
        buffer.write(exactly(in, size, buffer.size()));
        line(in);
      }
      return buffer.toByteArray();
    } else if (head.length >= 0) {
      return exactly(in, head.length, 0);
    }
    return in.readNBytes(MAX_BODY);
  }

  /** A chunked body as the bytes it carries, read chunk by chunk as they arrive. */
  private static final class ChunkedBody extends InputStream {
    private final InputStream in;
    private int left; // in the current chunk
    private boolean ended;

    ChunkedBody(InputStream in) {
      this.in = in;
    }

    @Override
    public int read() throws IOException {
      if (ended) {
        return -1;
      }
      if (left == 0) {
        left = chunkSize(line(in));
        if (left == 0) {
          ended = true;
          return -1;
        }
      }
      int c = in.read();
      if (c < 0) {
        throw new EOFException("response ended inside a chunk");
      }
      if (--left == 0) {
        line(in); // the CRLF after the chunk's data
      }
      return c;
    }
  }

  /** A body of Content-Length bytes. */
  private static final class BoundedBody extends InputStream {
    private final InputStream in;
    private long left;

    BoundedBody(InputStream in, long length) {
      this.in = in;
      this.left = length;
    }

    @Override
    public int read() throws IOException {
      if (left <= 0) {
        return -1;
      }
      int c = in.read();
      if (c >= 0) {
        left--;
      }
      return c;
    }
  }

  private static int chunkSize(String line) throws IOException {
    int semicolon = line.indexOf(';');
    try {
      return Integer.parseInt((semicolon < 0 ? line : line.substring(0, semicolon)).trim(), 16);
    } catch (NumberFormatException e) {
      throw new IOException("malformed chunk size: " + line);
    }
  }

  private static byte[] exactly(InputStream in, long length, int already) throws IOException {
    if (length + already > MAX_BODY) {
      throw new IOException("response larger than " + MAX_BODY + " bytes");
    }
    byte[] bytes = in.readNBytes((int) length);
    if (bytes.length != length) {
      throw new EOFException("response ended after " + bytes.length + " of " + length + " bytes");
    }
    return bytes;
  }

  /** One CRLF-terminated line, without the CRLF. */
  private static String line(InputStream in) throws IOException {
    StringBuilder s = new StringBuilder();
    for (int c = in.read(); c != '\n'; c = in.read()) {
      if (c < 0) {
        throw new EOFException("response ended inside its head");
      }
      if (c != '\r') {
        s.append((char) c);
      }
      if (s.length() > 64 * 1024) {
        throw new IOException("response head line too long");
      }
    }
    return s.toString();
  }
}
