package dev.skein.agent;

import dev.skein.agent.spi.InstrumentationModule;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.TreeSet;

/**
 * The names of every class any instrumentation module can instrument, written at build time
 * from the modules' {@link InstrumentationModule#typeNames()} and read by the agent's premain,
 * and beside it the JDK module access the modules need.
 *
 * <p>Why an index: loading a module class at premain links it, and linking verifies its
 * {@code extend} method, which loads a few hundred Byte Buddy classes on the application's main
 * thread. Reading a text file costs nothing; the modules themselves load on a daemon thread.
 */
public final class TypeIndex {
  static final String RESOURCE = "META-INF/skein/instrumented-types";

  private TypeIndex() {}

  static final String JDK_ACCESS_RESOURCE = "META-INF/skein/jdk-access";

  /**
   * What one instrumentation module needs of a named JDK module: that it read the bridge's module
   * ({@code openedPackage} null), or that it open a package to it.
   */
  record JdkAccess(String instrumentation, String jdkModule, String openedPackage) {}

  /** Build step: writes the index into the given classes directory. */
  public static void main(String[] args) throws IOException {
    TreeSet<String> names = new TreeSet<>();
    List<String> access = new ArrayList<>();
    for (InstrumentationModule module : ServiceLoader.load(InstrumentationModule.class, TypeIndex.class.getClassLoader())) {
      names.addAll(module.typeNames());
      for (String jdkModule : module.jdkModules()) {
        access.add(module.name() + " reads " + jdkModule);
      }
      for (String open : module.jdkOpens()) {
        access.add(module.name() + " opens " + open);
      }
    }
    Path out = Path.of(args[0], RESOURCE);
    Files.createDirectories(out.getParent());
    Files.write(out, names, StandardCharsets.UTF_8);
    Files.write(Path.of(args[0], JDK_ACCESS_RESOURCE), access, StandardCharsets.UTF_8);
  }

  /**
   * Reads the JDK module access the modules declare ({@link InstrumentationModule#jdkModules()},
   * {@link InstrumentationModule#jdkOpens()}), so that premain can grant it without loading them.
   */
  static List<JdkAccess> readJdkAccess(ClassLoader loader) throws IOException {
    List<JdkAccess> access = new ArrayList<>();
    for (String line : lines(loader, JDK_ACCESS_RESOURCE)) {
      String[] parts = line.split(" ");
      if (parts.length != 3 || !(parts[1].equals("reads") || parts[1].equals("opens"))) {
        throw new IOException(JDK_ACCESS_RESOURCE + ": cannot read line '" + line + "'");
      }
      if (parts[1].equals("reads")) {
        access.add(new JdkAccess(parts[0], parts[2], null));
      } else {
        String[] open = parts[2].split("/", 2);
        access.add(new JdkAccess(parts[0], open[0], open[1]));
      }
    }
    return access;
  }

  /** Reads the index (binary names, or package prefixes ending in '.'). */
  static List<String> read(ClassLoader loader) throws IOException {
    return lines(loader, RESOURCE);
  }

  private static List<String> lines(ClassLoader loader, String resource) throws IOException {
    List<String> names = new ArrayList<>();
    try (InputStream in = loader.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IOException(resource + " missing from the agent jar");
      }
      BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      for (String line; (line = reader.readLine()) != null; ) {
        if (!line.isBlank()) {
          names.add(line.trim());
        }
      }
    }
    return names;
  }
}
