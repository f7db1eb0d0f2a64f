package dev.skein.bootstrap.instrumentation.httpurlconnection;

import java.io.IOException;

/**
 * Thrown where the JDK opens the connection when the mesh answers the call itself (an injected
 * abort): nothing is written. {@code getInputStream} turns it into the response the caller reads
 * ({@code getResponseCode}, the header, the error stream), as a server's answer would be.
 */
public final class MeshAnswer extends IOException {
  private static final long serialVersionUID = 1L;

  public final int status;
  public final String header;
  public final String value;

  MeshAnswer(int status, String header, String value) {
    super("the mesh answered " + status + " (" + header + ": " + value + ")");
    this.status = status;
    this.header = header;
    this.value = value;
  }
}
