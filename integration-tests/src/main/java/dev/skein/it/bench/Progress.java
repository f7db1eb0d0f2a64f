package dev.skein.it.bench;

import java.util.Locale;

/**
 * The progress line: rewritten in place on a terminal, one line per step otherwise (a test log
 * or a CI console), always with the elapsed time.
 */
final class Progress {
  private final long start = System.nanoTime();
  private final boolean terminal = System.console() != null;
  private int width;

  synchronized void show(String message) {
    String line = String.format(Locale.ROOT, "[bench %5.1fs] %s", (System.nanoTime() - start) / 1e9, message);
    if (terminal) {
      System.out.print("\r" + line + " ".repeat(Math.max(0, width - line.length())));
      width = line.length();
    } else {
      System.out.println(line);
    }
    System.out.flush();
  }

  /** A message that stays (a skipped or failed scenario). */
  synchronized void note(String message) {
    clear();
    System.out.println("[bench] " + message);
    System.out.flush();
  }

  synchronized void done() {
    clear();
  }

  private void clear() {
    if (terminal && width > 0) {
      System.out.print("\r" + " ".repeat(width) + "\r");
      width = 0;
    }
  }
}
