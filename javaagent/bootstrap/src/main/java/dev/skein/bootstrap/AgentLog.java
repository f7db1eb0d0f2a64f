package dev.skein.bootstrap;

import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * The agent's own logger: one line per message on stderr, prefixed {@code [skein]}, level from
 * {@code skein.log.level}. Hand-written because the agent must not touch (or bind to) the
 * application's logging framework; shaded libraries' logging is routed here.
 */
public final class AgentLog {
  /** Levels in increasing severity. */
  public enum Level { TRACE, DEBUG, INFO, WARN, ERROR, OFF }

  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");
  private static volatile Level threshold = parse(Settings.get("skein.log.level", "info"));

  private AgentLog() {}

  static Level parse(String name) {
    try {
      return Level.valueOf(name.trim().toUpperCase(Locale.ROOT));
    } catch (RuntimeException e) {
      return Level.INFO;
    }
  }

  public static boolean enabled(Level level) {
    return level.compareTo(threshold) >= 0 && level != Level.OFF;
  }

  public static void trace(String message) {
    log(Level.TRACE, message, null);
  }

  public static void debug(String message) {
    log(Level.DEBUG, message, null);
  }

  public static void info(String message) {
    log(Level.INFO, message, null);
  }

  public static void warn(String message) {
    log(Level.WARN, message, null);
  }

  public static void warn(String message, Throwable t) {
    log(Level.WARN, message, t);
  }

  public static void error(String message, Throwable t) {
    log(Level.ERROR, message, t);
  }

  public static void log(Level level, String message, Throwable t) {
    if (!enabled(level)) {
      return;
    }
    StringBuilder line = new StringBuilder(96)
        .append("[skein] ")
        .append(LocalTime.now().format(TIME))
        .append(' ')
        .append(level.name())
        .append(' ')
        .append(message);
    if (t != null) {
      line.append(": ").append(t);
    }
    System.err.println(line);
    if (t != null && enabled(Level.DEBUG)) {
      t.printStackTrace();
    }
  }
}
