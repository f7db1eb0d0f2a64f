package dev.skein.server;

import java.io.File;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the skein command in-process (picocli) or as the real jar, capturing its output. */
final class Cli {
    /** One run: exit code, standard output, standard error. */
    record Result(int code, String out, String err) {
        @Override
        public String toString() {
            return "exit " + code + "\n--- out\n" + out + "--- err\n" + err;
        }
    }

    private final String endpoint;

    Cli(String endpoint) {
        this.endpoint = endpoint;
    }

    /** In-process, with {@code --etcd} set to the test's etcd. */
    Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--etcd");
        all.add(endpoint);
        int code = Main.commandLine(new PrintWriter(out, true), new PrintWriter(err, true)).execute(all.toArray(new String[0]));
        return new Result(code, out.toString(), err.toString());
    }

    /** {@code java -jar skein.jar ARGS} as a subprocess. */
    static Result jar(long timeoutSeconds, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(java(), "-jar", jarPath().toString()));
        command.addAll(List.of(args));
        return process(new ProcessBuilder(command), timeoutSeconds);
    }

    static Result process(ProcessBuilder pb, long timeoutSeconds) throws Exception {
        File out = File.createTempFile("skein", ".out");
        File err = File.createTempFile("skein", ".err");
        try {
            Process p = pb.redirectOutput(out).redirectError(err).start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                throw new AssertionError("skein did not finish within " + timeoutSeconds + "s: " + pb.command()
                        + "\n" + Files.readString(err.toPath()));
            }
            return new Result(p.exitValue(), Files.readString(out.toPath()), Files.readString(err.toPath()));
        } finally {
            out.delete();
            err.delete();
        }
    }

    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    static Path jarPath() {
        Path jar = Path.of(System.getProperty("skein.cli.jar", "target/skein.jar"));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("no " + jar + ": run the tests with mvn verify (after package)");
        }
        return jar;
    }
}
