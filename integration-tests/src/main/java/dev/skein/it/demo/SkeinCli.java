package dev.skein.it.demo;

import dev.skein.it.support.MeshJvm;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The {@code skein} command as an operator runs it: {@code java -jar skein.jar}, found through
 * the {@code skein.cli.jar} property or as {@code control-plane/server/target/skein.jar} from
 * the working directory upwards. Public for the tests that need a real control plane (its CA).
 */
public final class SkeinCli {
  private static final Path RELATIVE = Path.of("control-plane", "server", "target", "skein.jar");

  private final String etcd;
  private final String jar;

  public SkeinCli(String etcd) {
    this.etcd = etcd;
    this.jar = jar();
  }

  static String jar() {
    String configured = System.getProperty("skein.cli.jar");
    if (configured != null && Files.isRegularFile(Path.of(configured))) {
      return Path.of(configured).toAbsolutePath().toString();
    }
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve(RELATIVE))) {
        return dir.resolve(RELATIVE).toString();
      }
    }
    throw new IllegalStateException("skein.jar not found (" + RELATIVE + "): build it first with mvn -DskipTests install");
  }

  public String jarPath() {
    return jar;
  }

  /** Runs one short command; returns its output, or throws with it when the command fails. */
  public String run(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(java(), "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-jar", jar, "--etcd", etcd));
    command.addAll(List.of(args));
    Path out = Files.createTempFile("skein-cli", ".out");
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException("skein " + String.join(" ", args) + " did not finish");
      }
      String text = Files.readString(out, StandardCharsets.UTF_8).strip();
      if (p.exitValue() != 0) {
        throw new IllegalStateException("skein " + String.join(" ", args) + " failed: " + text);
      }
      return text;
    } finally {
      Files.deleteIfExists(out);
    }
  }

  /** A control plane from {@link #startControlPlaneWithNewCa}: its JVM, its CA directory, what {@code skein ca init} said. */
  public record ControlPlane(MeshJvm jvm, Path caDir, String caInit) {}

  /**
   * {@code skein ca init} in a new temporary directory, then {@code skein control-plane} signing
   * with that CA, in a JVM without the agent.
   *
   * @param prefix the etcd key prefix, or {@code null} for the default
   * @param options more {@code control-plane} options
   */
  public ControlPlane startControlPlaneWithNewCa(String name, String prefix, String... options) throws IOException, InterruptedException {
    Path caDir = Files.createTempDirectory("skein-ca");
    Files.delete(caDir); // skein ca init creates it
    List<String> global = prefix == null ? List.of() : List.of("--prefix", prefix);
    List<String> init = new ArrayList<>(global);
    init.addAll(List.of("ca", "init", "--dir", caDir.toString()));
    String said = run(init.toArray(new String[0]));
    List<String> args = new ArrayList<>(List.of("--etcd", etcd));
    args.addAll(global);
    args.addAll(List.of("control-plane", "--ca-dir", caDir.toString()));
    args.addAll(List.of(options));
    MeshJvm jvm = MeshJvm.builder(name).withoutAgent().classPath(jar).start("dev.skein.server.Main", args.toArray(new String[0]));
    return new ControlPlane(jvm, caDir, said);
  }

  static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }
}
