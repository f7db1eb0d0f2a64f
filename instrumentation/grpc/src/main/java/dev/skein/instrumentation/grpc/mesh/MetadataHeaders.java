package dev.skein.instrumentation.grpc.mesh;

import dev.skein.bootstrap.HeaderLookup;
import io.grpc.Metadata;

/** A call's metadata as route rules read headers: by lower-case name, text values only. */
final class MetadataHeaders implements HeaderLookup {
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
      return metadata.get(Metadata.Key.of(lowerCaseName, Metadata.ASCII_STRING_MARSHALLER));
    } catch (IllegalArgumentException notAHeaderName) {
      return null;
    }
  }
}
