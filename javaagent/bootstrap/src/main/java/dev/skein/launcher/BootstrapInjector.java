package dev.skein.launcher;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.lang.instrument.Instrumentation;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.security.ProtectionDomain;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * Puts the agent jar's {@code dev/skein/bootstrap/} classes into the bootstrap class loader.
 *
 * <p>The usual way, {@code Instrumentation.appendToBootstrapClassLoaderSearch}, makes the JVM
 * turn off class data sharing for every class outside the boot loader (and print a warning
 * saying so): the application would start slower because of the agent. Defining the few
 * bridge classes directly keeps CDS on. This uses the JDK's internal {@code Unsafe.defineClass},
 * made accessible through the instrumentation API; where that fails, it falls back to appending
 * the jar.
 */
final class BootstrapInjector {
  // Written by the agent module's build (BootstrapIndex), under the engine's inst/ folder.
  private static final String INDEX = EngineClassLoader.PREFIX + "META-INF/skein/bootstrap-classes";

  private BootstrapInjector() {}

  static void inject(Instrumentation inst, JarFile jar, File jarPath) throws IOException {
    Map<String, byte[]> classes = bootstrapClasses(jar);
    try {
      defineAll(inst, classes);
    } catch (Throwable t) {
      inst.appendToBootstrapClassLoaderSearch(new JarFile(jarPath));
    }
  }

  /** The classes the build listed (BootstrapIndex), supertypes first: no walk over the jar's 23,000 entries. */
  private static Map<String, byte[]> bootstrapClasses(JarFile jar) throws IOException {
    Map<String, byte[]> classes = new LinkedHashMap<>();
    for (String name : new String(read(jar, INDEX), StandardCharsets.UTF_8).split("\n")) {
      if (!name.isBlank()) {
        classes.put(name.trim(), read(jar, name.trim().replace('.', '/') + ".class"));
      }
    }
    return classes;
  }

  private static byte[] read(JarFile jar, String entryName) throws IOException {
    JarEntry entry = jar.getJarEntry(entryName);
    if (entry == null) {
      throw new IOException("the agent jar lacks " + entryName + " (" + INDEX + " lists the bootstrap classes)");
    }
    try (InputStream in = jar.getInputStream(entry)) {
      return in.readAllBytes();
    }
  }

  private static void defineAll(Instrumentation inst, Map<String, byte[]> classes) throws Exception {
    Module base = Object.class.getModule();
    inst.redefineModule(
        base, Set.of(), Map.of("jdk.internal.misc", Set.of(BootstrapInjector.class.getModule())), Map.of(), Set.of(), Map.of());
    Class<?> unsafeClass = Class.forName("jdk.internal.misc.Unsafe");
    Object unsafe = unsafeClass.getMethod("getUnsafe").invoke(null);
    Method define =
        unsafeClass.getMethod("defineClass", String.class, byte[].class, int.class, int.class, ClassLoader.class, ProtectionDomain.class);
    // A class can only be defined once its superclass and interfaces are: retry the ones whose
    // supertypes were not defined yet until no class is left (or no progress is made).
    Map<String, byte[]> pending = new LinkedHashMap<>(classes);
    while (!pending.isEmpty()) {
      boolean progress = false;
      for (var it = pending.entrySet().iterator(); it.hasNext(); ) {
        var e = it.next();
        try {
          define.invoke(unsafe, e.getKey(), e.getValue(), 0, e.getValue().length, null, null);
          it.remove();
          progress = true;
        } catch (InvocationTargetException ex) {
          if (ex.getCause() instanceof LinkageError && ex.getCause().getMessage() != null
              && ex.getCause().getMessage().contains("duplicate")) {
            it.remove(); // already defined: the agent was attached twice
            progress = true;
          } else if (!(ex.getCause() instanceof NoClassDefFoundError)) {
            throw ex;
          }
        }
      }
      if (!progress) {
        throw new IllegalStateException("cannot define " + pending.keySet());
      }
    }
  }
}
