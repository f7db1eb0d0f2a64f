package dev.skein.instrumentation.grpc.mesh;

import dev.skein.bootstrap.HeaderLookup;
import io.grpc.Metadata;
import java.util.concurrent.ConcurrentHashMap;

/** A call's metadata as route rules read headers: by lower-case name, text values only. */
final class MetadataHeaders implements HeaderLookup {
  // Metadata.Key.of checks and encodes the name each time; the names asked per call are few
  // (traceparent, tracestate, baggage, the route rules' headers), so their keys are kept.
  private static final int MAX_KEYS = 256;
  private static final ConcurrentHashMap<String, Metadata.Key<String>> KEYS = new ConcurrentHashMap<>();

  private final Metadata metadata;

  MetadataHeaders(Metadata metadata) {
    this.metadata = metadata;
  }

  @Override
  public String get(String lowerCaseName) {
    if (lowerCaseName.endsWith(Metadata.BINARY_HEADER_SUFFIX) || lowerCaseName.startsWith(":")) {
      return null;
    }
    try {
      return metadata.get(key(lowerCaseName));
    } catch (IllegalArgumentException notAHeaderName) {
      return null;
    }
  }

  /** The text key named {@code name} (throws IllegalArgumentException for a name gRPC refuses). */
  static Metadata.Key<String> key(String name) {
    Metadata.Key<String> key = KEYS.get(name);
    if (key == null) {
      key = Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER);
      if (KEYS.size() < MAX_KEYS) {
        KEYS.putIfAbsent(name, key);
      }
    }
    return key;
  }
}
