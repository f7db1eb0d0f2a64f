package dev.skein.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EngineClassLoaderTest {
  /** Loaded from a deflated entry of the test jar's {@code inst/}. */
  public static final class Deflated {
    @Override
    public String toString() {
      return "deflated, from " + getClass().getClassLoader().getName();
    }
  }

  /** Loaded from a stored (uncompressed) entry of the test jar's {@code inst/}. */
  public static final class Stored {
    @Override
    public String toString() {
      return "stored, from " + getClass().getClassLoader().getName();
    }
  }

  @Test
  void definesClassesFromDeflatedAndStoredEntriesUnderInst(@TempDir Path dir) throws Exception {
    Path jar = dir.resolve("agent.jar");
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
      out.putNextEntry(new JarEntry(entryName(Deflated.class)));
      out.write(classBytes(Deflated.class));
      out.closeEntry();
      byte[] stored = classBytes(Stored.class);
      JarEntry entry = new JarEntry(entryName(Stored.class));
      entry.setMethod(ZipEntry.STORED);
      entry.setSize(stored.length);
      CRC32 crc = new CRC32();
      crc.update(stored);
      entry.setCrc(crc.getValue());
      out.putNextEntry(entry);
      out.write(stored);
      out.closeEntry();
    }

    EngineClassLoader loader = new EngineClassLoader(jar.toFile());

    // The parent is the platform loader, so these come from the jar, not the test class path.
    Class<?> deflated = loader.loadClass(Deflated.class.getName());
    Class<?> stored = loader.loadClass(Stored.class.getName());
    assertThat(deflated).isNotSameAs(Deflated.class);
    assertThat(deflated.getConstructor().newInstance()).hasToString("deflated, from skein-engine");
    assertThat(stored.getConstructor().newInstance()).hasToString("stored, from skein-engine");
    try (InputStream in = loader.getResourceAsStream(entryName(Stored.class).substring(EngineClassLoader.PREFIX.length()))) {
      assertThat(in.readAllBytes()).isEqualTo(classBytes(Stored.class));
    }
  }

  private static String entryName(Class<?> type) {
    return EngineClassLoader.PREFIX + type.getName().replace('.', '/') + ".class";
  }

  private static byte[] classBytes(Class<?> type) throws Exception {
    try (InputStream in = ClassLoader.getSystemResourceAsStream(type.getName().replace('.', '/') + ".class")) {
      return in.readAllBytes();
    }
  }
}
