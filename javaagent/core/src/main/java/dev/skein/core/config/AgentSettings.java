package dev.skein.core.config;

import dev.skein.bootstrap.Settings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The agent's settings, read once at start from system properties or the environment variables
 * beside them (see README.md for the table).
 *
 * @param service this workload's service name; {@code null} when it does not join the mesh as a server
 * @param etcdEndpoints empty in file mode
 * @param advertiseAddress the address registered for a server bound to a wildcard address
 */
public record AgentSettings(
    String service,
    String namespace,
    Map<String, String> labels,
    List<String> etcdEndpoints,
    String etcdPrefix,
    Path configFile,
    int adminPort,
    Path cacheDir,
    String advertiseAddress,
    Duration leaseTtl,
    Duration firstSnapshotWait,
    String etcdUser,
    String etcdPassword) {

  public static final String DEFAULT_NAMESPACE = "default";
  public static final String DEFAULT_PREFIX = "/skein";

  public AgentSettings {
    labels = Map.copyOf(labels);
    etcdEndpoints = List.copyOf(etcdEndpoints);
  }

  /** Reads every setting from system properties and environment variables. */
  public static AgentSettings fromEnvironment() {
    return new AgentSettings(
        Settings.get("skein.service"),
        Settings.get("skein.namespace", DEFAULT_NAMESPACE),
        parseLabels(Settings.get("skein.labels", "")),
        parseList(Settings.get("skein.etcd.endpoints", "")),
        Settings.get("skein.etcd.prefix", DEFAULT_PREFIX),
        pathOrNull(Settings.get("skein.config.file")),
        Integer.parseInt(Settings.get("skein.admin.port", "0")),
        pathOrNull(Settings.get("skein.cache.dir")),
        Settings.get("skein.advertise.address"),
        Duration.ofSeconds(Long.parseLong(Settings.get("skein.lease.ttl.seconds", "10"))),
        Duration.ofMillis(Long.parseLong(Settings.get("skein.first.snapshot.wait.ms", "2000"))),
        Settings.get("skein.etcd.user"),
        Settings.get("skein.etcd.password"));
  }

  public boolean etcdMode() {
    return !etcdEndpoints.isEmpty();
  }

  /** {@code version=v2,zone=a} into an ordered map; blanks are skipped. */
  public static Map<String, String> parseLabels(String text) {
    Map<String, String> labels = new LinkedHashMap<>();
    for (String pair : parseList(text)) {
      int eq = pair.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("skein.labels: expected key=value, got \"" + pair + "\"");
      }
      labels.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
    }
    return labels;
  }

  static List<String> parseList(String text) {
    List<String> items = new ArrayList<>();
    for (String item : text.split(",")) {
      if (!item.isBlank()) {
        items.add(item.trim());
      }
    }
    return items;
  }

  private static Path pathOrNull(String value) {
    return value == null ? null : Path.of(value);
  }
}
