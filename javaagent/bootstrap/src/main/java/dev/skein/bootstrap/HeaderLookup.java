package dev.skein.bootstrap;

/** Reads one request header by lower-case name; {@code null} when absent. */
@FunctionalInterface
public interface HeaderLookup {
  String get(String lowerCaseName);

  HeaderLookup NONE = name -> null;
}
