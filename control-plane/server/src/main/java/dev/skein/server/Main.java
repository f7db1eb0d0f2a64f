package dev.skein.server;

import dev.skein.server.cli.SkeinCommand;
import java.io.PrintWriter;
import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine;

/** Entry point of {@code skein.jar}: the {@code skein} command. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        // gRPC logs through java.util.logging; a CLI prints its own one-line errors instead.
        Logger.getLogger("").setLevel(Level.OFF);
        int code = commandLine(new PrintWriter(System.out, true), new PrintWriter(System.err, true)).execute(args);
        // jetcd's gRPC and vert.x threads are not all daemons: end the process with the command.
        System.exit(code);
    }

    /** The command line with its output streams and error handling, also used by tests in-process. */
    public static CommandLine commandLine(PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new SkeinCommand());
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof UserException u) {
                commandLine.getErr().println("skein: " + u.getMessage());
                commandLine.getErr().flush();
                return u.exitCode();
            }
            commandLine.getErr().println("skein: internal error: " + e);
            if (System.getenv("SKEIN_DEBUG") != null) {
                e.printStackTrace(commandLine.getErr());
            }
            commandLine.getErr().flush();
            return 70;
        });
        return cl;
    }
}
