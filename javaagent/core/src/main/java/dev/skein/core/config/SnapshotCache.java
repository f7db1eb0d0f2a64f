package dev.skein.core.config;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skein.bootstrap.AgentLog;
import dev.skein.core.state.ConfigChange;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The last-known-good snapshot in {@code skein.cache.dir}: the raw etcd values in force and
 * their revision, written atomically after each applied change and read at start when etcd
 * cannot be reached.
 */
public final class SnapshotCache {
  private static final String FILE = "snapshot.json";
  /** Created on first use, not at start: Jackson is a few hundred classes. */
  private static final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper();
  }

  private final Path dir;

  public SnapshotCache(Path dir) {
    this.dir = dir;
  }

  /** Writes via a temporary file and an atomic rename, so a crash never leaves half a file. */
  public void write(Map<String, byte[]> values, long revision) {
    try {
      Files.createDirectories(dir);
      Map<String, Object> doc = new LinkedHashMap<>();
      doc.put("revision", revision);
      Map<String, String> text = new LinkedHashMap<>();
      values.forEach((k, v) -> text.put(k, new String(v, StandardCharsets.UTF_8)));
      doc.put("values", text);
      Path tmp = Files.createTempFile(dir, FILE, ".tmp");
      Json.MAPPER.writeValue(tmp.toFile(), doc);
      Files.move(tmp, dir.resolve(FILE), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException | RuntimeException e) {
      AgentLog.warn("could not write the policy cache in " + dir + ": " + e);
    }
  }

  @SuppressWarnings("unchecked")
  public Optional<ConfigChange.Resync> read() {
    Path file = dir.resolve(FILE);
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    try {
      Map<String, Object> doc = Json.MAPPER.readValue(file.toFile(), Map.class);
      Map<String, byte[]> values = new LinkedHashMap<>();
      ((Map<String, String>) doc.get("values")).forEach((k, v) -> values.put(k, v.getBytes(StandardCharsets.UTF_8)));
      long revision = ((Number) doc.get("revision")).longValue();
      return Optional.of(new ConfigChange.Resync(values, revision, ConfigChange.Origin.CACHE));
    } catch (IOException | RuntimeException e) {
      AgentLog.warn("ignoring an unreadable policy cache " + file + ": " + e);
      return Optional.empty();
    }
  }
}
