package dev.skein.core.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skein.core.state.ConfigChange;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotCacheTest {
  @TempDir Path dir;

  @Test
  void readsBackWhatItWrote() {
    Map<String, byte[]> values = new LinkedHashMap<>();
    values.put("/skein/policies/default/Route/orders", "kind: Route\nspec: {note: \"quoted \\\\ and ünïcode\"}\n".getBytes(StandardCharsets.UTF_8));
    values.put("/skein/endpoints/default/orders/10.0.0.1:8080", "{\"address\":\"10.0.0.1\",\"port\":8080}".getBytes(StandardCharsets.UTF_8));
    SnapshotCache cache = new SnapshotCache(dir);

    cache.write(values, 42);
    ConfigChange.Resync read = cache.read().orElseThrow();

    assertThat(read.revision()).isEqualTo(42);
    assertThat(read.origin()).isEqualTo(ConfigChange.Origin.CACHE);
    assertThat(read.values()).containsOnlyKeys(values.keySet());
    values.forEach((k, v) -> assertThat(read.values().get(k)).isEqualTo(v));
  }

  @Test
  void remembersWhetherTheLastWriterExpectedACertificate() {
    Map<String, byte[]> values = Map.of("k", "v".getBytes(StandardCharsets.UTF_8));
    assertThat(new SnapshotCache(dir).certificateExpected()).isFalse();

    new SnapshotCache(dir).write(values, 1, true);
    assertThat(new SnapshotCache(dir).certificateExpected()).isTrue(); // a restart reads it
    new SnapshotCache(dir).write(values, 2, true);
    assertThat(new SnapshotCache(dir).certificateExpected()).isTrue();

    new SnapshotCache(dir).write(values, 3, false);
    assertThat(new SnapshotCache(dir).certificateExpected()).isFalse();
    assertThat(new SnapshotCache(dir).read().orElseThrow().revision()).isEqualTo(3);
  }

  @Test
  void ignoresAFileItCannotRead() throws Exception {
    Files.writeString(dir.resolve("snapshot.json"), "{\"revision\": \"seven\", \"values\": {}}");
    assertThat(new SnapshotCache(dir).read()).isEmpty();
    Files.writeString(dir.resolve("snapshot.json"), "{\"revision\": 7");
    assertThat(new SnapshotCache(dir).read()).isEmpty();
  }

  @Test
  void removesTemporaryFilesThatAnExitedJvmLeft() throws Exception {
    Path stale = Files.createFile(dir.resolve("snapshot.json123.tmp"));
    Files.setLastModifiedTime(stale, FileTime.from(Instant.now().minusSeconds(3600)));
    Path fresh = Files.createFile(dir.resolve("snapshot.json456.tmp")); // another JVM's write in progress

    new SnapshotCache(dir).write(Map.of("k", "v".getBytes(StandardCharsets.UTF_8)), 1);

    assertThat(stale).doesNotExist();
    assertThat(fresh).exists();
  }
}
