package dev.skein.bootstrap;

import java.util.Locale;

/**
 * Reads one agent setting: the system property ({@code skein.service}) or, when it is absent,
 * the environment variable beside it ({@code SKEIN_SERVICE}).
 */
public final class Settings {
  private Settings() {}

  public static String get(String property) {
    String value = System.getProperty(property);
    if (value == null || value.isEmpty()) {
      value = System.getenv(envName(property));
    }
    return value == null || value.isEmpty() ? null : value.trim();
  }

  public static String get(String property, String fallback) {
    String value = get(property);
    return value == null ? fallback : value;
  }

  /** {@code skein.etcd.endpoints} becomes {@code SKEIN_ETCD_ENDPOINTS}. */
  public static String envName(String property) {
    return property.replace('.', '_').replace('-', '_').toUpperCase(Locale.ROOT);
  }
}
