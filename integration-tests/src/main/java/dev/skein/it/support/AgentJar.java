package dev.skein.it.support;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the build put the agent jar: {@code javaagent/agent/target/skein-agent.jar}. */
public final class AgentJar {
  private AgentJar() {}

  public static String path() {
    Path jar = Path.of(System.getProperty("skein.agent.jar", "../javaagent/agent/target/skein-agent.jar")).toAbsolutePath().normalize();
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException("agent jar not found at " + jar + ": build it first (mvn -DskipTests install)");
    }
    return jar.toString();
  }
}
