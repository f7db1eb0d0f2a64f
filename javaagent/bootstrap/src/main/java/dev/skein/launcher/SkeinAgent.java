package dev.skein.launcher;

import java.io.File;
import java.lang.instrument.Instrumentation;
import java.util.jar.JarFile;

/**
 * The agent's entry point ({@code Premain-Class} and {@code Agent-Class}), loaded by the system
 * class loader from the agent jar.
 *
 * <p>It defines the {@code dev.skein.bootstrap} classes in the bootstrap class loader (so that
 * advice inlined into any class loader's classes sees one single bridge), creates the isolated
 * engine class loader over the jar's {@code inst/} entries and calls the installer inside it.
 * It must not touch a {@code dev.skein.bootstrap} class before {@link BootstrapInjector} ran,
 * or the system class loader would load a second copy from the jar.
 */
public final class SkeinAgent {
  private static final String INSTALLER = "dev.skein.agent.AgentInstaller";

  private SkeinAgent() {}

  public static void premain(String args, Instrumentation inst) {
    start(args, inst);
  }

  public static void agentmain(String args, Instrumentation inst) {
    start(args, inst);
  }

  private static void start(String args, Instrumentation inst) {
    try {
      long started = System.nanoTime();
      File jar = new File(SkeinAgent.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      try (JarFile jarFile = new JarFile(jar, false)) {
        BootstrapInjector.inject(inst, jarFile, jar);
      }
      EngineClassLoader loader = new EngineClassLoader(jar);
      Class.forName(INSTALLER, true, loader)
          .getMethod("install", Instrumentation.class, File.class, String.class, long.class)
          .invoke(null, inst, jar, args, started);
    } catch (Throwable t) {
      // The agent must never stop the application from starting.
      System.err.println("[skein] ERROR agent failed to start, the application runs without the mesh: " + t);
    }
  }
}
