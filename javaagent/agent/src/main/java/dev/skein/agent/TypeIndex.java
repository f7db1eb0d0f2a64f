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
 * from the modules' {@link InstrumentationModule#typeNames()} and read by the agent's premain.
 *
 * <p>Why an index: loading a module class at premain links it, and linking verifies its
 * {@code extend} method, which loads a few hundred Byte Buddy classes on the application's main
 * thread. Reading a text file costs nothing; the modules themselves load on a daemon thread.
 */
public final class TypeIndex {
  static final String RESOURCE = "META-INF/skein/instrumented-types";

  private TypeIndex() {}

  /** Build step: writes the index into the given classes directory. */
  public static void main(String[] args) throws IOException {
    TreeSet<String> names = new TreeSet<>();
    for (InstrumentationModule module : ServiceLoader.load(InstrumentationModule.class, TypeIndex.class.getClassLoader())) {
      names.addAll(module.typeNames());
    }
    Path out = Path.of(args[0], RESOURCE);
    Files.createDirectories(out.getParent());
    Files.write(out, names, StandardCharsets.UTF_8);
  }

  /** Reads the index (binary names, or package prefixes ending in '.'). */
  static List<String> read(ClassLoader loader) throws IOException {
    List<String> names = new ArrayList<>();
    try (InputStream in = loader.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IOException(RESOURCE + " missing from the agent jar");
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
