package dev.skein.it.bench;

import dev.skein.it.support.MeshJvm;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;

/** The harness's side of a {@link LoadGenerator} JVM: sends it commands and parses its answers. */
final class LoadDriver implements AutoCloseable {
  private static final Pattern ANSWER =
      Pattern.compile("(\\w+) ok=(\\d+) failed=(\\d+)(?: millis=(\\d+) lag_p50_ns=(\\d+) hist=(\\S+))?(?: last=(.*))?");

  private final MeshJvm jvm;

  private LoadDriver(MeshJvm jvm) {
    this.jvm = jvm;
  }

  static LoadDriver start(Scenario scenario) throws Exception {
    MeshJvm jvm = scenario.clientJvm("client").start(LoadGenerator.class.getName(), scenario.url());
    jvm.awaitLineStartingWith("ready", Scenario.START_TIMEOUT);
    return new LoadDriver(jvm);
  }

  /** Starts the scenario's gRPC client ({@link GrpcLoadGenerator}) without waiting for it ({@link #attach}). */
  static MeshJvm launchGrpc(Scenario scenario) throws Exception {
    return scenario.grpcClientJvm("grpc-client").start(GrpcLoadGenerator.class.getName(), scenario.grpcTarget());
  }

  /**
   * Drives a client JVM already started that speaks the same commands (it prints {@code ready}),
   * waiting for it up to {@code startTimeout}.
   */
  static LoadDriver attach(MeshJvm jvm, Duration startTimeout) throws Exception {
    jvm.awaitLineStartingWith("ready", startTimeout);
    return new LoadDriver(jvm);
  }

  MeshJvm jvm() {
    return jvm;
  }

  long pid() {
    return jvm.pid();
  }

  /**
   * Sequential warm-up requests, repeated until a batch has no failure (an agent may still be
   * learning the endpoints) or the time is up.
   */
  void warm(int count, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    Phase last;
    do {
      last = command("warm " + count, timeout);
      if (last.failed() == 0) {
        return;
      }
      Thread.sleep(200);
    } while (System.nanoTime() < deadline);
    throw new IllegalStateException("warm-up failed: " + last.lastError() + "\nclient log:\n" + jvm.agentLog());
  }

  Phase open(int rate, long millis) throws Exception {
    return command("open " + rate + " " + millis, Duration.ofMillis(millis + 30_000));
  }

  Phase closed(int connections, long millis) throws Exception {
    return command("closed " + connections + " " + millis, Duration.ofMillis(millis + 30_000));
  }

  private Phase command(String command, Duration timeout) throws Exception {
    String verb = command.substring(0, command.indexOf(' '));
    jvm.send(command);
    String line = jvm.awaitLine(l -> l.startsWith(verb + " ") || l.startsWith("error"), timeout);
    Matcher m = ANSWER.matcher(line);
    if (!m.matches()) {
      throw new IllegalStateException("unexpected answer to '" + command + "': " + line);
    }
    Histogram histogram =
        m.group(6) == null ? null : Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(Base64.getDecoder().decode(m.group(6))), 0);
    return new Phase(
        Long.parseLong(m.group(2)),
        Long.parseLong(m.group(3)),
        m.group(4) == null ? 0 : Long.parseLong(m.group(4)),
        m.group(5) == null ? 0 : Long.parseLong(m.group(5)),
        histogram,
        m.group(7));
  }

  @Override
  public void close() throws InterruptedException {
    jvm.close();
  }

  /** One command's outcome; latencies in nanoseconds. */
  record Phase(long ok, long failed, long millis, long lagP50Nanos, Histogram histogram, String lastError) {
    double perSecond() {
      return millis == 0 ? 0 : ok * 1000.0 / millis;
    }
  }
}
