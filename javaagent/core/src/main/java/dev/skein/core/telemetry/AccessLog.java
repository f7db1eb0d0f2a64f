package dev.skein.core.telemetry;

import dev.skein.bootstrap.AgentLog;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One JSON line per observed request ({@code skein.access.log=stdout|stderr|<file>}). Request
 * threads only offer a finished line to a bounded queue; a daemon thread writes. When the queue
 * is full the line is dropped and counted ({@link #dropped()}): a slow disk never slows a request.
 */
final class AccessLog {
  private static final int QUEUE = 8192;

  private final BlockingQueue<String> queue = new ArrayBlockingQueue<>(QUEUE);
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong queued = new AtomicLong();
  private final AtomicLong settled = new AtomicLong(); // written and flushed, or lost to an error
  private final Writer out;

  private AccessLog(OutputStream stream) {
    this.out = new java.io.BufferedWriter(new java.io.OutputStreamWriter(stream, StandardCharsets.UTF_8), 1 << 16);
    Thread writer = new Thread(this::drain, "skein-access-log");
    writer.setDaemon(true);
    writer.start();
  }

  /** The log the setting asks for, or null when it is off (or its file cannot be opened). */
  static AccessLog fromSetting(String setting) {
    if (setting == null || setting.isBlank() || setting.equalsIgnoreCase("off")) {
      return null;
    }
    try {
      OutputStream stream =
          switch (setting.toLowerCase(java.util.Locale.ROOT)) {
            case "stdout" -> unclosable(System.out);
            case "stderr" -> unclosable(System.err);
            default -> new FileOutputStream(setting, true);
          };
      return new AccessLog(stream);
    } catch (IOException | SecurityException e) {
      AgentLog.warn("skein.access.log: cannot open " + setting + " for appending: " + e.getMessage() + "; no access log");
      return null;
    }
  }

  private static OutputStream unclosable(PrintStream stream) {
    return new java.io.FilterOutputStream(stream) {
      @Override
      public void write(byte[] b, int off, int len) {
        stream.write(b, off, len);
      }

      @Override
      public void close() {}
    };
  }

  long dropped() {
    return dropped.get();
  }

  void log(Entry e) {
    if (queue.offer(e.json())) {
      queued.incrementAndGet();
    } else {
      dropped.incrementAndGet();
    }
  }

  private void drain() {
    List<String> batch = new ArrayList<>();
    while (true) {
      try {
        batch.add(queue.take());
        queue.drainTo(batch);
        for (String line : batch) {
          out.write(line);
          out.write('\n');
        }
        out.flush();
        settled.addAndGet(batch.size());
        batch.clear();
      } catch (InterruptedException e) {
        return;
      } catch (IOException e) {
        dropped.addAndGet(batch.size());
        settled.addAndGet(batch.size());
        batch.clear();
      }
    }
  }

  /** Writes what is queued, waiting at most {@code millis} (JVM exit). */
  void flush(long millis) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    long target = queued.get();
    while (settled.get() < target && System.nanoTime() < deadline) {
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** One request as it is logged. {@code null} fields are left out. */
  record Entry(
      String direction,
      String protocol,
      String traceId,
      String spanId,
      String source,
      String destination,
      String route,
      String subset,
      String endpoint,
      String method,
      String path,
      int status,
      String errorType,
      double durationMillis) {

    String json() {
      StringBuilder b = new StringBuilder(320).append('{');
      field(b, "time", Instant.now().toString());
      field(b, "direction", direction);
      field(b, "protocol", protocol);
      field(b, "trace_id", traceId);
      field(b, "span_id", spanId);
      field(b, "source", source);
      field(b, "destination", destination);
      field(b, "route", route);
      field(b, "subset", subset);
      field(b, "endpoint", endpoint);
      field(b, "method", method);
      field(b, "path", path);
      if (status >= 0) {
        b.append(",\"status\":").append(status);
      }
      field(b, "error", errorType);
      b.append(",\"duration_ms\":").append(Math.round(durationMillis * 1000) / 1000.0);
      return b.append('}').toString();
    }

    private static void field(StringBuilder b, String name, String value) {
      if (value == null) {
        return;
      }
      if (b.length() > 1) {
        b.append(',');
      }
      b.append('"').append(name).append("\":\"");
      for (int i = 0; i < value.length(); i++) {
        char c = value.charAt(i);
        switch (c) {
          case '"' -> b.append("\\\"");
          case '\\' -> b.append("\\\\");
          case '\n' -> b.append("\\n");
          case '\r' -> b.append("\\r");
          case '\t' -> b.append("\\t");
          default -> {
            if (c < 0x20) {
              b.append(String.format("\\u%04x", (int) c));
            } else {
              b.append(c);
            }
          }
        }
      }
      b.append('"');
    }
  }
}
