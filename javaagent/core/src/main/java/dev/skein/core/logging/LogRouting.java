package dev.skein.core.logging;

import dev.skein.bootstrap.AgentLog;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Sends the java.util.logging output of the agent's relocated libraries (gRPC, Netty and Vert.x
 * under jetcd all log through JUL once relocated) to the agent's own logger. Only the agent's
 * own logger subtree is touched; the application's logging configuration is left alone.
 */
public final class LogRouting {
  // JUL holds loggers weakly: keep the configured one reachable.
  private static Logger shaded;

  private LogRouting() {}

  public static synchronized void install() {
    if (shaded != null) {
      return;
    }
    shaded = Logger.getLogger("dev.skein.shaded");
    shaded.setUseParentHandlers(false);
    shaded.setLevel(AgentLog.enabled(AgentLog.Level.DEBUG) ? Level.FINE : Level.WARNING);
    shaded.addHandler(
        new Handler() {
          // Export failures repeat every few seconds while a collector is away: one line per
          // logger a minute, as a warning (telemetry is best effort, the application is fine).
          private final java.util.Map<String, Long> lastExportWarning = new java.util.concurrent.ConcurrentHashMap<>();

          @Override
          public void publish(LogRecord record) {
            String name = record.getLoggerName() == null ? "" : record.getLoggerName();
            if (name.contains("opentelemetry.exporter") || name.contains("opentelemetry.sdk")) {
              long now = System.nanoTime();
              Long last = lastExportWarning.get(name);
              if (last != null && now - last < 60_000_000_000L) {
                return;
              }
              lastExportWarning.put(name, now);
              AgentLog.log(AgentLog.Level.WARN, name.replace("dev.skein.shaded.", "") + ": " + record.getMessage(), null);
              return;
            }
            AgentLog.Level level =
                record.getLevel().intValue() >= Level.SEVERE.intValue()
                    ? AgentLog.Level.ERROR
                    : record.getLevel().intValue() >= Level.WARNING.intValue() ? AgentLog.Level.WARN : AgentLog.Level.DEBUG;
            AgentLog.log(level, record.getLoggerName().replace("dev.skein.shaded.", "") + ": " + record.getMessage(), record.getThrown());
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        });
  }
}
