package dev.skein.it.support;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A real JVM started with {@code -javaagent:skein-agent.jar} (or without it) running one of the
 * sample apps. Its stdout lines are queued for {@link #awaitLine}; its stderr (where the agent
 * logs) is kept for {@link #agentLog()} and echoed with a prefix for people reading test output.
 */
public final class MeshJvm implements AutoCloseable {
  private final String name;
  private final Process process;
  private final Writer stdin;
  private final BlockingQueue<String> stdout = new LinkedBlockingQueue<>();
  private final StringBuffer stderr = new StringBuffer();
  private final List<String> allStdout = java.util.Collections.synchronizedList(new ArrayList<>());

  private MeshJvm(String name, Process process) {
    this.name = name;
    this.process = process;
    this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    pump(process.getInputStream(), line -> {
      allStdout.add(line);
      stdout.add(line);
    }, "out");
    pump(process.getErrorStream(), line -> stderr.append(line).append('\n'), "err");
  }

  public static Builder builder(String name) {
    return new Builder(name);
  }

  private void pump(java.io.InputStream in, java.util.function.Consumer<String> sink, String stream) {
    Thread t =
        new Thread(
            () -> {
              try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                  sink.accept(line);
                  if (Boolean.getBoolean("skein.it.echo") || (stream.equals("err") && !Boolean.getBoolean("skein.it.quiet"))) {
                    System.out.println("  [" + name + "] " + line);
                  }
                }
              } catch (IOException e) {
                // process ended
              }
            },
            "pump-" + name + "-" + stream);
    t.setDaemon(true);
    t.start();
  }

  /** Waits for a stdout line matching the predicate, skipping earlier lines. */
  public String awaitLine(Predicate<String> match, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      long left = deadline - System.nanoTime();
      String line = left <= 0 ? null : stdout.poll(left, TimeUnit.NANOSECONDS);
      if (line == null) {
        throw new AssertionError(name + ": no matching output within " + timeout + "; agent log:\n" + agentLog());
      }
      if (match.test(line)) {
        return line;
      }
    }
  }

  public String awaitLineStartingWith(String prefix, Duration timeout) throws InterruptedException {
    return awaitLine(l -> l.startsWith(prefix), timeout);
  }

  /** Sends one command line to the app's stdin. */
  public void send(String line) throws IOException {
    stdin.write(line + "\n");
    stdin.flush();
  }

  /** Every stdout line so far, including those already consumed by {@link #awaitLine}. */
  public List<String> stdoutLines() {
    synchronized (allStdout) {
      return List.copyOf(allStdout);
    }
  }

  public String agentLog() {
    return stderr.toString();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public long pid() {
    return process.pid();
  }

  public Process process() {
    return process;
  }

  /** SIGKILL: no shutdown hooks, the registration lingers until its lease expires. */
  public void kill() throws InterruptedException {
    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  /** Options for one JVM. */
  public static final class Builder {
    private final String name;
    private String java = System.getProperty("skein.it.java", Path.of(System.getProperty("java.home"), "bin", "java").toString());
    private boolean agent = true;
    private final Map<String, String> properties = new LinkedHashMap<>();
    private final Map<String, String> env = new LinkedHashMap<>();
    private final List<String> jvmArgs = new ArrayList<>();
    private String classPath = System.getProperty("java.class.path");

    private Builder(String name) {
      this.name = name;
    }

    public Builder java(String javaExecutable) {
      this.java = javaExecutable;
      return this;
    }

    public Builder withoutAgent() {
      this.agent = false;
      return this;
    }

    public Builder property(String key, String value) {
      properties.put(key, value);
      return this;
    }

    public Builder env(String key, String value) {
      env.put(key, value);
      return this;
    }

    public Builder jvmArg(String arg) {
      jvmArgs.add(arg);
      return this;
    }

    public Builder classPath(String cp) {
      this.classPath = cp;
      return this;
    }

    public MeshJvm start(String mainClass, String... args) throws IOException {
      List<String> command = new ArrayList<>(List.of(java));
      if (agent) {
        command.add("-javaagent:" + AgentJar.path());
      }
      command.addAll(jvmArgs);
      properties.forEach((k, v) -> command.add("-D" + k + "=" + v));
      command.add("-cp");
      command.add(classPath);
      command.add(mainClass);
      command.addAll(List.of(args));
      ProcessBuilder pb = new ProcessBuilder(command);
      pb.environment().putAll(env);
      return new MeshJvm(name, pb.start());
    }
  }
}
