package dev.skein.server.controlplane;

import java.io.PrintStream;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;

/** The control plane's log: one line per event on stderr, prefixed {@code [skein-control-plane]}. */
public final class Log {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");
    private static final PrintStream OUT = System.err;

    private Log() {}

    public static void info(String message) {
        line("INFO", message);
    }

    public static void warn(String message) {
        line("WARN", message);
    }

    private static void line(String level, String message) {
        OUT.println("[skein-control-plane] " + LocalTime.now().format(TIME) + " " + level + " " + message);
        OUT.flush();
    }
}
