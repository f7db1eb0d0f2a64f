package dev.skein.it.apps;

import java.lang.management.ManagementFactory;
import java.util.Enumeration;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * Start-up probe for the agent's type matchers: after {@code -Dpause.ms} (so that the agent's
 * instrumentation is installed), loads without initializing every class of every jar on the
 * class path (but the agent's) and prints {@code loaded N failed F ms WALL cpu-ms CPU}, CPU being
 * the loading thread's, which is where the agent's matchers and transformations run.
 */
public final class LoadAllClasses {
  private LoadAllClasses() {}

  public static void main(String[] args) throws Exception {
    Thread.sleep(Long.getLong("pause.ms", 0));
    ClassLoader loader = LoadAllClasses.class.getClassLoader();
    long wall = System.nanoTime();
    long cpu = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
    int ok = 0;
    int failed = 0;
    for (String path : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
      if (!path.endsWith(".jar") || path.contains("skein-agent")) {
        continue;
      }
      try (JarFile jar = new JarFile(path)) {
        for (Enumeration<JarEntry> e = jar.entries(); e.hasMoreElements(); ) {
          String n = e.nextElement().getName();
          if (!n.endsWith(".class") || n.startsWith("META-INF") || n.endsWith("module-info.class") || n.endsWith("package-info.class")) {
            continue;
          }
          try {
            Class.forName(n.substring(0, n.length() - 6).replace('/', '.'), false, loader);
            ok++;
          } catch (Throwable t) {
            failed++; // optional dependencies absent
          }
        }
      }
    }
    System.out.println(
        "loaded " + ok + " failed " + failed + " ms " + (System.nanoTime() - wall) / 1_000_000
            + " cpu-ms " + (ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() - cpu) / 1_000_000);
  }
}
