package dev.skein.it.support;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the build put the agent jar: the {@code skein.agent.jar} property, else
 * {@code javaagent/agent/target/skein-agent.jar} found from the working directory upwards.
 */
public final class AgentJar {
  private static final Path RELATIVE = Path.of("javaagent", "agent", "target", "skein-agent.jar");

  private AgentJar() {}

  public static String path() {
    String configured = System.getProperty("skein.agent.jar");
    if (configured != null) {
      Path jar = Path.of(configured).toAbsolutePath().normalize();
      if (Files.isRegularFile(jar)) {
        return jar.toString();
      }
    }
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve(RELATIVE))) {
        return dir.resolve(RELATIVE).toString();
      }
    }
    throw new IllegalStateException("agent jar not found (" + RELATIVE + "): build it first with mvn -DskipTests install");
  }
}
