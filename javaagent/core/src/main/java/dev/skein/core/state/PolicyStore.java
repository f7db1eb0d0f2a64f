package dev.skein.core.state;

import dev.skein.api.Endpoint;
import dev.skein.api.KeyLayout;
import dev.skein.api.ParseResult;
import dev.skein.api.Policy;
import dev.skein.api.PolicyParser;
import dev.skein.api.PolicySetValidator;
import dev.skein.api.Problem;
import dev.skein.bootstrap.AgentLog;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Holds the raw keys from the config source and the last good policy of each, and turns every
 * change into a new immutable {@link MeshSnapshot}.
 *
 * <p>An invalid value never replaces the last good one: it is logged (one line per problem,
 * naming the key, the field and the reason), remembered as rejected, and re-tried whenever
 * other policies change, because a Route naming a subset becomes valid once the
 * DestinationPolicy defining it arrives.
 */
public final class PolicyStore {
  private final KeyLayout layout;
  private final SnapshotBuilder builder;
  private final Consumer<MeshSnapshot> publisher;

  // Guarded by this.
  private final Map<String, Policy> inForce = new TreeMap<>();
  private final Map<String, byte[]> inForceRaw = new HashMap<>();
  private final Map<String, byte[]> rejectedRaw = new HashMap<>();
  private final Map<String, List<Problem>> rejected = new TreeMap<>();
  private final Map<String, Endpoint> endpoints = new TreeMap<>();
  private final Map<String, byte[]> endpointsRaw = new HashMap<>();
  private final java.util.Set<String> changed = new java.util.HashSet<>();
  private long revision;
  private ConfigChange.Origin origin;

  public PolicyStore(KeyLayout layout, SnapshotBuilder builder, Consumer<MeshSnapshot> publisher) {
    this.layout = layout;
    this.builder = builder;
    this.publisher = publisher;
  }

  /** Applies one change and publishes the snapshot that results. */
  public synchronized MeshSnapshot apply(ConfigChange change) {
    changed.clear();
    if (change instanceof ConfigChange.Resync resync) {
      applyResync(resync);
      origin = resync.origin();
      revision = resync.revision();
    } else if (change instanceof ConfigChange.Delta delta) {
      for (ConfigChange.KeyChange c : delta.changes()) {
        applyKey(c.key(), c.value());
      }
      revision = Math.max(revision, delta.revision());
    }
    retryRejected();
    // Logged only now: within one change, a Route may come before the DestinationPolicy it
    // names, and is accepted by the retry above rather than rejected.
    for (String key : changed) {
      List<Problem> problems = rejected.get(key);
      if (problems != null) {
        problems.forEach(p -> AgentLog.warn("policy rejected, last good version kept: " + p));
      }
    }
    MeshSnapshot snapshot =
        builder.build(inForce, endpoints, revision, origin == null ? ConfigChange.Origin.ETCD : origin, rejected);
    publisher.accept(snapshot);
    return snapshot;
  }

  /**
   * File mode: the policies of one file replace everything. A file with any problem is
   * rejected whole and the previous policies stay in force.
   */
  public synchronized MeshSnapshot applyFile(String file, String text) {
    ParseResult parsed = PolicyParser.parse(file, text);
    if (!parsed.ok()) {
      parsed.problems().forEach(p -> AgentLog.warn("policy rejected, last good version kept: " + p));
      return null;
    }
    Map<String, Policy> next = new LinkedHashMap<>();
    for (Policy p : parsed.policies()) {
      next.put(layout.policyKey(p.kind(), p.namespace(), p.name()), p);
    }
    List<Problem> problems = PolicySetValidator.validate(next);
    if (!problems.isEmpty()) {
      problems.forEach(p -> AgentLog.warn("policy rejected, last good version kept: " + p));
      return null;
    }
    inForce.clear();
    inForce.putAll(next);
    origin = ConfigChange.Origin.FILE;
    revision++;
    MeshSnapshot snapshot = builder.build(inForce, endpoints, revision, origin, rejected);
    publisher.accept(snapshot);
    return snapshot;
  }

  private void applyResync(ConfigChange.Resync resync) {
    // Keys that vanished were deleted while we were not watching.
    for (String key : new ArrayList<>(inForce.keySet())) {
      if (!resync.values().containsKey(key)) {
        applyKey(key, null);
      }
    }
    for (String key : new ArrayList<>(endpoints.keySet())) {
      if (!resync.values().containsKey(key)) {
        applyKey(key, null);
      }
    }
    rejected.keySet().removeIf(k -> !resync.values().containsKey(k));
    rejectedRaw.keySet().removeIf(k -> !resync.values().containsKey(k));
    resync.values().forEach(this::applyKey);
  }

  private void applyKey(String key, byte[] value) {
    if (layout.parseEndpointKey(key).isPresent()) {
      applyEndpoint(key, value);
    } else if (key.startsWith(layout.policiesPrefix())) {
      applyPolicy(key, value);
    }
  }

  private void applyEndpoint(String key, byte[] value) {
    if (value == null) {
      endpoints.remove(key);
      endpointsRaw.remove(key);
      return;
    }
    if (Arrays.equals(value, endpointsRaw.get(key))) {
      return;
    }
    try {
      endpoints.put(key, Endpoint.fromJson(new String(value, StandardCharsets.UTF_8)));
      endpointsRaw.put(key, value);
    } catch (RuntimeException | Error e) {
      AgentLog.warn(key + ": endpoint ignored: " + e.getMessage());
    }
  }

  private void applyPolicy(String key, byte[] value) {
    if (value == null) {
      inForce.remove(key);
      inForceRaw.remove(key);
      rejected.remove(key);
      rejectedRaw.remove(key);
      return;
    }
    if (Arrays.equals(value, inForceRaw.get(key)) && !rejected.containsKey(key)) {
      return;
    }
    if (Arrays.equals(value, rejectedRaw.get(key))) {
      return; // already rejected and logged; the retry pass re-checks it
    }
    changed.add(key);
    List<Problem> problems = tryAccept(key, value);
    if (problems.isEmpty()) {
      rejected.remove(key);
      rejectedRaw.remove(key);
    } else {
      rejected.put(key, problems);
      rejectedRaw.put(key, value);
    }
  }

  /** Parses and validates one value against the policies in force; accepts it when clean. */
  private List<Problem> tryAccept(String key, byte[] value) {
    ParseResult parsed = PolicyParser.parseKeyValue(layout, key, value);
    if (!parsed.ok()) {
      return parsed.problems();
    }
    Policy policy = parsed.policies().get(0);
    Map<String, Policy> candidate = new LinkedHashMap<>(inForce);
    candidate.put(key, policy);
    List<Problem> problems = new ArrayList<>();
    for (Problem p : PolicySetValidator.validate(candidate)) {
      if (p.source().equals(key)) {
        problems.add(p);
      }
    }
    if (problems.isEmpty()) {
      inForce.put(key, policy);
      inForceRaw.put(key, value);
    }
    return problems;
  }

  /** A rejected value may have become valid after other keys changed (a subset now defined). */
  private void retryRejected() {
    boolean progress = true;
    while (progress && !rejectedRaw.isEmpty()) {
      progress = false;
      for (Map.Entry<String, byte[]> e : new ArrayList<>(rejectedRaw.entrySet())) {
        if (tryAccept(e.getKey(), e.getValue()).isEmpty()) {
          if (!changed.contains(e.getKey())) {
            AgentLog.info(e.getKey() + ": policy accepted now that the policies it refers to are in force");
          }
          rejected.remove(e.getKey());
          rejectedRaw.remove(e.getKey());
          progress = true;
        }
      }
    }
  }

  /** The raw values in force, for the last-known-good cache. */
  public synchronized Map<String, byte[]> rawInForce() {
    Map<String, byte[]> copy = new TreeMap<>(inForceRaw);
    copy.putAll(endpointsRaw);
    return copy;
  }

  public synchronized long revision() {
    return revision;
  }
}
