package dev.skein.bootstrap.instrumentation.jdkhttpserver;

import dev.skein.bootstrap.HeaderLookup;
import java.util.List;
import java.util.Map;

/**
 * Request headers as the bridge reads them. {@code com.sun.net.httpserver.Headers} is a
 * {@code Map} whose {@code get} normalizes the name, so the bootstrap loader (which cannot see
 * {@code jdk.httpserver}) reads it through the {@code Map} interface.
 */
public final class MapHeaders implements HeaderLookup {
  private final Map<String, List<String>> headers;

  private MapHeaders(Map<String, List<String>> headers) {
    this.headers = headers;
  }

  public static HeaderLookup of(Map<String, List<String>> headers) {
    return new MapHeaders(headers);
  }

  @Override
  public String get(String lowerCaseName) {
    List<String> values = headers.get(lowerCaseName);
    return values == null || values.isEmpty() ? null : values.get(0);
  }
}
