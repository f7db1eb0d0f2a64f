package dev.skein.it.bench;

import dev.skein.it.support.AgentJar;
import dev.skein.it.support.Directories;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * What every benchmark run sets up before its first JVM and undoes at its end: the JVMs' own
 * logs kept quiet (they are kept for error messages), a private work directory with a snapshot
 * of the harness classes, and one copy of the agent jar for the whole run — a build may replace
 * the originals meanwhile.
 */
final class BenchWorkspace implements AutoCloseable {
  private static final String QUIET = "skein.it.quiet";
  private static final String AGENT_JAR = "skein.agent.jar";

  private final Path reports;
  private final Path work;
  private final String quietBefore;
  private final String agentJarBefore;

  private BenchWorkspace(Path reports, Path work, String quietBefore, String agentJarBefore) {
    this.reports = reports;
    this.work = work;
    this.quietBefore = quietBefore;
    this.agentJarBefore = agentJarBefore;
  }

  /** Opens the workspace; {@code preload} names harness classes to load before a build can replace them. */
  static BenchWorkspace open(String prefix, String... preload) throws IOException {
    Path reports = Files.createDirectories(RepoRoot.find().resolve("integration-tests/target/bench"));
    Path work = Files.createTempDirectory(prefix);
    HarnessClasses.snapshot(work);
    for (String className : preload) {
      HarnessClasses.preload(className);
    }
    Path agentCopy = Files.copy(Path.of(AgentJar.path()), work.resolve("skein-agent.jar"), StandardCopyOption.REPLACE_EXISTING);
    BenchWorkspace workspace = new BenchWorkspace(reports, work, System.getProperty(QUIET), System.getProperty(AGENT_JAR));
    System.setProperty(QUIET, "true");
    System.setProperty(AGENT_JAR, agentCopy.toString());
    return workspace;
  }

  /** {@code integration-tests/target/bench} under the repository root, where reports go. */
  Path reports() {
    return reports;
  }

  /** The run's private directory, deleted at the end. */
  Path work() {
    return work;
  }

  /** A private copy of {@code file} for the run; the path itself when absent. */
  Path copyIfPresent(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      return file;
    }
    return Files.copy(file, work.resolve(file.getFileName()), StandardCopyOption.REPLACE_EXISTING);
  }

  @Override
  public void close() throws IOException {
    restore(QUIET, quietBefore);
    restore(AGENT_JAR, agentJarBefore);
    Directories.delete(work);
  }

  private static void restore(String property, String value) {
    if (value == null) {
      System.clearProperty(property);
    } else {
      System.setProperty(property, value);
    }
  }
}
