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
 * with host name verification), answering the body of a 200 response.
 *
 * <p>Why not {@code java.net.http}: the agent instruments the JDK's HTTP client, so its first use
 * waits until Byte Buddy is ready (a second or more on a cold, busy JVM), and building one
 * initialises the default SSL context even for plain text. Reading the first snapshot with it put
 * both on the application's first request. A socket needs neither.
 */
final class PlainHttpPost {
  private static final int MAX_BODY = 64 * 1024 * 1024;

  private PlainHttpPost() {}

  static String post(String url, String json, String authorization, Duration timeout) throws IOException {
    URI uri = URI.create(url);
    boolean tls = "https".equalsIgnoreCase(uri.getScheme());
    int port = uri.getPort() > 0 ? uri.getPort() : tls ? 443 : 80;
    int millis = (int) Math.max(1, timeout.toMillis());
    try (Socket socket = open(uri.getHost(), port, tls, millis)) {
      byte[] body = json.getBytes(StandardCharsets.UTF_8);
      String head =
          "POST " + uri.getRawPath() + " HTTP/1.1\r\nHost: " + uri.getHost() + ":" + port
              + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\nConnection: close\r\n"
              + (authorization == null ? "" : "Authorization: " + authorization + "\r\n") + "\r\n";
      OutputStream out = socket.getOutputStream();
      out.write(head.getBytes(StandardCharsets.ISO_8859_1));
      out.write(body);
      out.flush();
      return readResponse(socket.getInputStream(), url);
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

  /** Status line, headers, then a body framed by Content-Length, chunks, or the end of the stream. */
  static String readResponse(InputStream in, String url) throws IOException {
    String status = line(in);
    String[] parts = status.split(" ", 3);
    if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
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
    byte[] body;
    if (chunked) {
      ByteArrayOutputStream buffer = new ByteArrayOutputStream();
      for (int size = chunkSize(line(in)); size > 0; size = chunkSize(line(in))) {
        buffer.write(exactly(in, size, buffer.size()));
        line(in);
      }
      body = buffer.toByteArray();
    } else if (length >= 0) {
      body = exactly(in, length, 0);
    } else {
      body = in.readNBytes(MAX_BODY);
    }
    if (!parts[1].equals("200")) {
      String text = new String(body, 0, Math.min(body.length, 300), StandardCharsets.UTF_8);
      throw new IOException(url + " answered " + parts[1] + ": " + text);
    }
    return new String(body, StandardCharsets.UTF_8);
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
