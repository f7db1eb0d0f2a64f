package dev.skein.bootstrap;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;

/**
 * What one client library does for {@link ClientCalls}: send one try to an endpoint, read a
 * response's status, throw a response away, make the mesh's own answers, and name a timeout in
 * the library's words. {@code R} is the library's response type.
 */
public interface ClientExchange<R> {
  /** Sends one try, blocking (sync libraries); {@code perTryMillis} 0 for no per-try timeout. */
  default R send(OutboundRoute endpoint, long perTryMillis) throws IOException {
    throw new UnsupportedOperationException("sync");
  }

  /** Sends one try; the future completes on the library's own threads (async libraries). */
  default CompletableFuture<R> sendAsync(OutboundRoute endpoint, long perTryMillis) {
    throw new UnsupportedOperationException("async");
  }

  /** The response's HTTP status. */
  int status(R response);

  /** Releases a response that will not reach the application (its connection, its body). */
  void discard(R response);

  /** A response made by the mesh (injected fault, refusal): this status, one header, the value as body. */
  R synthetic(int status, String header, String value);

  /** The library's own exception for a call that ran out of time. */
  IOException timeout();
}
