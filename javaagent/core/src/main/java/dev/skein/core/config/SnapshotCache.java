package dev.skein.core.config;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import dev.skein.bootstrap.AgentLog;
import dev.skein.core.state.ConfigChange;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The last-known-good snapshot in {@code skein.cache.dir}: the raw etcd values in force and
 * their revision, written atomically after each applied change and read at start when etcd
 * cannot be reached.
 *
 * <p>Jackson's streaming API, not its ObjectMapper: the first write comes with the first
 * snapshot, while the application makes its first request, and the mapper loads about 400
 * classes where the streaming API loads a tenth of that.
 */
public final class SnapshotCache {
  private static final String FILE = "snapshot.json";
  private static final String TEMP_SUFFIX = ".tmp";
  // Present when the cached snapshot may need this workload's certificate (a PeerAuthentication
  // was in force): a restart checks it before anything is parsed and asks for its certificate
  // at once.
  private static final String CERTIFICATE_EXPECTED = "certificate-expected";

  /** Created on first use, not at start. */
  private static final class Json {
    static final JsonFactory FACTORY = new JsonFactory();
  }

  private final Path dir;
  private volatile boolean strayTempsRemoved;

  public SnapshotCache(Path dir) {
    this.dir = dir;
  }

  /**
   * Writes via a temporary file and an atomic rename, so a crash never leaves half a file;
   * {@code certificateExpected} is what {@link #certificateExpected()} answers the next run.
   */
  public void write(Map<String, byte[]> values, long revision, boolean certificateExpected) {
    write(values, revision);
    try {
      Path marker = dir.resolve(CERTIFICATE_EXPECTED);
      if (certificateExpected) {
        if (!Files.exists(marker)) {
          Files.createFile(marker);
        }
      } else {
        Files.deleteIfExists(marker);
      }
    } catch (IOException e) {
      AgentLog.debug("could not note in " + dir + " whether a certificate is expected: " + e);
    }
  }

  /** Whether the run that wrote the cache last expected to need a certificate (a file test, nothing parsed). */
  public boolean certificateExpected() {
    return Files.exists(dir.resolve(CERTIFICATE_EXPECTED));
  }

  /** Writes via a temporary file and an atomic rename, so a crash never leaves half a file. */
  public void write(Map<String, byte[]> values, long revision) {
    try {
      Files.createDirectories(dir);
      removeStrayTemps();
      Path tmp = Files.createTempFile(dir, FILE, TEMP_SUFFIX);
      try (OutputStream out = Files.newOutputStream(tmp);
          JsonGenerator g = Json.FACTORY.createGenerator(out)) {
        g.writeStartObject();
        g.writeNumberField("revision", revision);
        g.writeObjectFieldStart("values");
        for (Map.Entry<String, byte[]> e : values.entrySet()) {
          g.writeStringField(e.getKey(), new String(e.getValue(), StandardCharsets.UTF_8));
        }
        g.writeEndObject();
        g.writeEndObject();
      }
      Files.move(tmp, dir.resolve(FILE), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException | RuntimeException e) {
      AgentLog.warn("could not write the policy cache in " + dir + ": " + e);
    }
  }

  public Optional<ConfigChange.Resync> read() {
    Path file = dir.resolve(FILE);
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    try (JsonParser p = Json.FACTORY.createParser(file.toFile())) {
      Long revision = null;
      Map<String, byte[]> values = null;
      expect(p.nextToken(), JsonToken.START_OBJECT, "the document");
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        if (field.equals("revision")) {
          expect(value, JsonToken.VALUE_NUMBER_INT, "revision");
          revision = p.getLongValue();
        } else if (field.equals("values")) {
          expect(value, JsonToken.START_OBJECT, "values");
          values = new LinkedHashMap<>();
          while (p.nextToken() == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            expect(p.nextToken(), JsonToken.VALUE_STRING, "values." + key);
            values.put(key, p.getText().getBytes(StandardCharsets.UTF_8));
          }
        } else {
          p.skipChildren();
        }
      }
      if (revision == null || values == null) {
        throw new IOException("revision or values missing");
      }
      return Optional.of(new ConfigChange.Resync(values, revision, ConfigChange.Origin.CACHE));
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      AgentLog.warn(
          "ignoring an unreadable policy cache " + file + ": " + e.getOriginalMessage().replace('\n', ' ')
              + (at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr()));
      return Optional.empty();
    } catch (IOException | RuntimeException e) {
      AgentLog.warn("ignoring an unreadable policy cache " + file + ": " + e);
      return Optional.empty();
    }
  }

  private static void expect(JsonToken actual, JsonToken expected, String what) throws IOException {
    if (actual != expected) {
      throw new IOException(what + ": expected " + expected + ", found " + actual);
    }
  }

  /**
   * Once per process: temporary files left by a JVM that exited while writing (a short-lived
   * job often does) and older than a minute, so that none is another JVM's write in progress.
   */
  private void removeStrayTemps() {
    if (strayTempsRemoved) {
      return;
    }
    strayTempsRemoved = true;
    FileTime before = FileTime.from(Instant.now().minusSeconds(60));
    try (var files = Files.newDirectoryStream(dir, FILE + "*" + TEMP_SUFFIX)) {
      for (Path f : files) {
        if (Files.getLastModifiedTime(f).compareTo(before) < 0) {
          Files.deleteIfExists(f);
        }
      }
    } catch (IOException e) {
      AgentLog.debug("could not clean temporary files in " + dir + ": " + e);
    }
  }
}
