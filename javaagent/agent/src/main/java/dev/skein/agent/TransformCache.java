package dev.skein.agent;

import dev.skein.bootstrap.AgentLog;
import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Instrumented class files kept on disk between runs of the same application, so that a JVM that
 * starts again loads its instrumented JDK and library classes without starting Byte Buddy: on a
 * 2-core machine Byte Buddy's start and the first transformation cost 0.4-0.6 s of CPU before the
 * application's first request, most of the agent's start-up.
 *
 * <p>An entry is the output of one transformation, found by the class's name and the SHA-256 of its
 * original bytes, under a directory for the "world" the transformation ran in: the agent jar (path,
 * size, time), the JDK, the class path (each entry's path, size and time, as a module's version check
 * may read another jar) and the instrumentation settings. A change to any of these starts an empty
 * directory. Only what can be replayed is kept: classes of the boot, platform and application class
 * loaders whose matched rules inject no helper classes (helper injection is a side effect on the class
 * loader, not part of the bytes). Each file carries the SHA-256 of its content, checked on read; a bad
 * file is ignored and replaced.
 *
 * <p>The cached bytes are code the JVM will run, so the directory must be this user's own and
 * writable by nobody else; otherwise the cache is off (one line in the log).
 */
final class TransformCache {
  private static final byte[] MAGIC = "SKTC1".getBytes(StandardCharsets.US_ASCII);
  private static final int DIGEST = 32;
  /** In the world's directory: a named class loaded in this world that a cached entry cannot stand for. */
  static final String NEEDS_BYTE_BUDDY = "needs-byte-buddy";

  /** A world no JVM opened for this long (an earlier agent build, an old class path) is removed. */
  static final Duration UNUSED_WORLD_AGE = Duration.ofDays(7);

  private final Path world;

  private TransformCache(Path world) {
    this.world = world;
  }

  /**
   * The cache under {@code cacheDir/transforms}, or null when {@code cacheDir} is null or the
   * directory cannot be made safe.
   */
  static TransformCache open(Path cacheDir, File agentJar) {
    if (cacheDir == null) {
      return null;
    }
    Path root = cacheDir.resolve("transforms");
    try {
      Path world = privateDirectory(privateDirectory(root).resolve(worldKey(agentJar)));
      // Its time says when a JVM last opened it: see pruneWorldsUnusedFor.
      Files.setLastModifiedTime(world, FileTime.fromMillis(System.currentTimeMillis()));
      pruneWorldsUnusedFor(root, world, UNUSED_WORLD_AGE);
      return new TransformCache(world);
    } catch (IOException | RuntimeException e) {
      AgentLog.info("transformation cache off: " + root + ": " + e.getMessage());
      return null;
    }
  }

  /**
   * Removes the worlds under {@code root} besides {@code current} that no JVM opened within
   * {@code age}: every agent upgrade or class-path change starts a new one, and nothing else
   * would ever remove the old. A JVM still using a removed world only loses its cache: a lookup
   * that finds nothing falls back to Byte Buddy.
   */
  static void pruneWorldsUnusedFor(Path root, Path current, Duration age) {
    long oldest = System.currentTimeMillis() - age.toMillis();
    try (var worlds = Files.list(root)) {
      for (Path world : (Iterable<Path>) worlds::iterator) {
        if (!world.equals(current) && Files.isDirectory(world, LinkOption.NOFOLLOW_LINKS)
            && Files.getLastModifiedTime(world).toMillis() < oldest) {
          deleteWorld(world);
        }
      }
    } catch (IOException | RuntimeException e) {
      AgentLog.debug("transformation cache: cannot prune " + root + ": " + e);
    }
  }

  private static void deleteWorld(Path world) throws IOException {
    try (var files = Files.list(world)) {
      for (Path file : (Iterable<Path>) files::iterator) {
        Files.deleteIfExists(file); // a world holds files only
      }
    }
    Files.deleteIfExists(world);
    AgentLog.debug("transformation cache: removed unused " + world);
  }

  /** The transformed bytes kept for this class and its original bytes, or null. */
  byte[] lookup(ClassLoader loader, String internalName, byte[] original) {
    if (!replayable(loader)) {
      return null;
    }
    Path file = entry(internalName, original);
    byte[] content;
    try {
      content = Files.readAllBytes(file);
    } catch (IOException e) {
      return null; // not cached yet
    }
    byte[] payload = verified(content);
    if (payload == null) {
      AgentLog.info("transformation cache: ignoring damaged " + file);
      try {
        Files.deleteIfExists(file);
      } catch (IOException ignored) {
        // store() replaces it
      }
    }
    return payload;
  }

  /**
   * Keeps {@code transformed} as the result for this class and its original bytes; false when
   * the class's loader is not one whose classes are cached.
   */
  boolean store(ClassLoader loader, String internalName, byte[] original, byte[] transformed) {
    if (!replayable(loader)) {
      return false;
    }
    Path file = entry(internalName, original);
    ByteBuffer content = ByteBuffer.allocate(MAGIC.length + DIGEST + transformed.length);
    content.put(MAGIC).put(sha256(transformed)).put(transformed);
    write(file, content.array());
    return true;
  }

  /** Notes that a named class of this world had to be transformed by Byte Buddy itself. */
  void markNeedsByteBuddy() {
    Path marker = world.resolve(NEEDS_BYTE_BUDDY);
    if (!Files.exists(marker)) {
      write(marker, new byte[0]);
    }
  }

  /**
   * True when an earlier run of this world cached its transformations and needed Byte Buddy for
   * none: then Byte Buddy starts only if a class that is not cached yet loads.
   */
  boolean replaysEverything() {
    if (Files.exists(world.resolve(NEEDS_BYTE_BUDDY))) {
      return false;
    }
    try (var entries = Files.list(world)) {
      return entries.anyMatch(p -> p.getFileName().toString().endsWith(".class"));
    } catch (IOException e) {
      return false;
    }
  }

  Path directory() {
    return world;
  }

  private static boolean replayable(ClassLoader loader) {
    // Other loaders (a servlet container's, a fat jar's) read jars the world key does not cover.
    return loader == null || loader == ClassLoader.getPlatformClassLoader() || loader == ClassLoader.getSystemClassLoader();
  }

  private Path entry(String internalName, byte[] original) {
    return world.resolve(internalName.replace('/', '.') + "." + HexFormat.of().formatHex(sha256(original), 0, 16) + ".class");
  }

  private static byte[] verified(byte[] content) {
    if (content.length < MAGIC.length + DIGEST || !Arrays.equals(content, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
      return null;
    }
    byte[] payload = Arrays.copyOfRange(content, MAGIC.length + DIGEST, content.length);
    byte[] expected = Arrays.copyOfRange(content, MAGIC.length, MAGIC.length + DIGEST);
    return MessageDigest.isEqual(expected, sha256(payload)) ? payload : null;
  }

  private static void write(Path file, byte[] content) {
    Path temp = file.resolveSibling(".tmp-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
    try {
      Files.write(temp, content);
      try {
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      AgentLog.debug("transformation cache: cannot write " + file + ": " + e);
      try {
        Files.deleteIfExists(temp);
      } catch (IOException ignored) {
        // a stray temporary file, never read
      }
    }
  }

  /** Creates {@code dir} (owner only) if absent; refuses one another user owns or can write. */
  private static Path privateDirectory(Path dir) throws IOException {
    boolean posix = dir.getFileSystem().supportedFileAttributeViews().contains("posix");
    if (!Files.isDirectory(dir)) {
      try {
        if (posix) {
          Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } else {
          Files.createDirectories(dir);
        }
      } catch (java.nio.file.FileAlreadyExistsException raced) {
        // another JVM made it: checked below like any existing directory
      }
    }
    if (posix) {
      Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(dir);
      if (permissions.contains(PosixFilePermission.GROUP_WRITE) || permissions.contains(PosixFilePermission.OTHERS_WRITE)) {
        throw new IOException(dir + " is writable by other users");
      }
      Object owner = Files.getAttribute(dir, "unix:uid");
      Object self = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
      if (!owner.equals(self)) {
        throw new IOException(dir + " belongs to another user (uid " + owner + ")");
      }
    }
    return dir;
  }

  /** A short hash of everything besides a class's own bytes that its transformation depends on. */
  static String worldKey(File agentJar) {
    StringBuilder key = new StringBuilder();
    key.append("agent ").append(describe(agentJar.toPath())).append('\n');
    key.append("jdk ").append(System.getProperty("java.home")).append(' ').append(System.getProperty("java.runtime.version")).append('\n');
    for (String entry : System.getProperty("java.class.path", "").split(File.pathSeparator)) {
      if (!entry.isEmpty()) {
        key.append("cp ").append(describe(Path.of(entry))).append('\n');
      }
    }
    key.append("modules ").append(System.getProperty("jdk.module.path", "")).append('\n');
    Map<String, String> settings = new TreeMap<>();
    System.getProperties().forEach((k, v) -> {
      if (k.toString().startsWith("skein.instrumentation.")) {
        settings.put(k.toString(), v.toString());
      }
    });
    System.getenv().forEach((k, v) -> {
      if (k.startsWith("SKEIN_INSTRUMENTATION_")) {
        settings.put(k, v);
      }
    });
    key.append("settings ").append(settings).append('\n');
    return HexFormat.of().formatHex(sha256(key.toString().getBytes(StandardCharsets.UTF_8)), 0, 16);
  }

  private static String describe(Path path) {
    try {
      return path.toAbsolutePath() + " " + Files.size(path) + " " + Files.getLastModifiedTime(path).toMillis();
    } catch (IOException | RuntimeException e) {
      return path + " absent";
    }
  }

  private static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
