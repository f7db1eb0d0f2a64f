package dev.skein.core.state;

import java.util.List;
import java.util.Map;

/** One change from a config source, applied to the {@link PolicyStore} as a whole. */
public sealed interface ConfigChange {
  /** Where a snapshot came from, shown on the admin endpoint. */
  enum Origin { ETCD, FILE, CACHE }

  /**
   * Everything under the prefix at one revision: replaces what the store holds (keys absent
   * here are deleted).
   */
  record Resync(Map<String, byte[]> values, long revision, Origin origin) implements ConfigChange {}

  /** Puts and deletes from one watch response, applied together. */
  record Delta(List<KeyChange> changes, long revision) implements ConfigChange {}

  /** One key's new value; {@code value == null} means deleted. */
  record KeyChange(String key, byte[] value) {}
}
