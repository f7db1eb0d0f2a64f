package dev.skein.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TransformCacheTest {
  private static final String NAME = "jdk/internal/net/http/HttpClientImpl";
  private static final byte[] ORIGINAL = "original class bytes".getBytes(StandardCharsets.UTF_8);
  private static final byte[] TRANSFORMED = "transformed class bytes".getBytes(StandardCharsets.UTF_8);

  @TempDir Path dir;
  private File agentJar;

  @BeforeEach
  void agentJar() throws Exception {
    agentJar = Files.writeString(dir.resolve("agent.jar"), "agent").toFile();
  }

  @Test
  void replaysAStoredTransformationForTheSameBytesOnly() {
    TransformCache cache = TransformCache.open(dir.resolve("cache"), agentJar);
    assertThat(cache.lookup(null, NAME, ORIGINAL)).isNull();

    assertThat(cache.store(null, NAME, ORIGINAL, TRANSFORMED)).isTrue();

    TransformCache next = TransformCache.open(dir.resolve("cache"), agentJar); // the next run
    assertThat(next.lookup(null, NAME, ORIGINAL)).isEqualTo(TRANSFORMED);
    assertThat(next.lookup(ClassLoader.getSystemClassLoader(), NAME, ORIGINAL)).isEqualTo(TRANSFORMED);
    assertThat(next.lookup(null, NAME, "other bytes".getBytes(StandardCharsets.UTF_8))).isNull();
    assertThat(next.lookup(null, "jdk/internal/net/http/Other", ORIGINAL)).isNull();
    assertThat(next.replaysEverything()).isTrue();
  }

  @Test
  void aChangedAgentJarStartsAnEmptyCache() throws Exception {
    TransformCache.open(dir.resolve("cache"), agentJar).store(null, NAME, ORIGINAL, TRANSFORMED);
    Files.writeString(agentJar.toPath(), "a newer agent build");

    TransformCache next = TransformCache.open(dir.resolve("cache"), agentJar);
    assertThat(next.lookup(null, NAME, ORIGINAL)).isNull();
    assertThat(next.replaysEverything()).isFalse();
  }

  @Test
  void keepsNothingForOtherClassLoaders() {
    TransformCache cache = TransformCache.open(dir.resolve("cache"), agentJar);
    ClassLoader other = new ClassLoader(null) {};
    assertThat(cache.store(other, NAME, ORIGINAL, TRANSFORMED)).isFalse();
    assertThat(cache.lookup(other, NAME, ORIGINAL)).isNull();
    assertThat(cache.lookup(null, NAME, ORIGINAL)).isNull();
  }

  @Test
  void aDamagedEntryIsIgnoredAndRemoved() throws Exception {
    TransformCache cache = TransformCache.open(dir.resolve("cache"), agentJar);
    cache.store(null, NAME, ORIGINAL, TRANSFORMED);
    Path entry;
    try (Stream<Path> files = Files.list(cache.directory())) {
      entry = files.filter(p -> p.toString().endsWith(".class")).findFirst().orElseThrow();
    }
    byte[] content = Files.readAllBytes(entry);
    content[content.length - 1] ^= 1;
    Files.write(entry, content);

    assertThat(cache.lookup(null, NAME, ORIGINAL)).isNull();
    assertThat(entry).doesNotExist();
  }

  @Test
  void aClassThatNeededByteBuddyKeepsByteBuddyStartingEagerly() {
    TransformCache cache = TransformCache.open(dir.resolve("cache"), agentJar);
    cache.store(null, NAME, ORIGINAL, TRANSFORMED);
    cache.markNeedsByteBuddy();
    assertThat(TransformCache.open(dir.resolve("cache"), agentJar).replaysEverything()).isFalse();
  }

  @Test
  void refusesADirectoryOtherUsersCanWrite() throws Exception {
    Path shared = Files.createDirectories(dir.resolve("shared/transforms"));
    Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
    assertThat(TransformCache.open(dir.resolve("shared"), agentJar)).isNull();
  }

  @Test
  void createsItsDirectoriesForTheOwnerOnly() throws Exception {
    TransformCache cache = TransformCache.open(dir.resolve("cache"), agentJar);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("cache/transforms")))).isEqualTo("rwx------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(cache.directory()))).isEqualTo("rwx------");
  }

  @Test
  void removesWorldsNoJvmOpenedForAWeek() throws Exception {
    TransformCache.open(dir.resolve("cache"), agentJar).store(null, NAME, ORIGINAL, TRANSFORMED);
    Path transforms = dir.resolve("cache/transforms");
    Path stale = Files.createDirectories(transforms.resolve("0123456789abcdef0123456789abcdef"));
    Files.write(stale.resolve("Old.0123.class"), TRANSFORMED);
    Files.setLastModifiedTime(stale, FileTime.from(Instant.now().minus(Duration.ofDays(8))));
    Path recent = Files.createDirectories(transforms.resolve("fedcba9876543210fedcba9876543210"));
    Files.setLastModifiedTime(recent, FileTime.from(Instant.now().minus(Duration.ofDays(6))));
    Path own = TransformCache.open(dir.resolve("cache"), agentJar).directory();
    // Opening its own world marks it used: an old time on it does not get it removed.
    Files.setLastModifiedTime(own, FileTime.from(Instant.now().minus(Duration.ofDays(30))));

    TransformCache next = TransformCache.open(dir.resolve("cache"), agentJar);

    assertThat(stale).doesNotExist();
    assertThat(recent).isDirectory();
    assertThat(next.directory()).isEqualTo(own);
    assertThat(next.lookup(null, NAME, ORIGINAL)).isEqualTo(TRANSFORMED);
  }
}
