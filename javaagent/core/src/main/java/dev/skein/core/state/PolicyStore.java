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
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Holds the raw keys from the config source and the last good policy of each, and turns every
 * change into a new immutable {@link MeshSnapshot}.
 *
 * <p>An invalid value never replaces the last good one: it is logged (one line per problem,
 * naming the key, the field and the reason), remembered as rejected, and tried again with every
 * later change, because a Route naming a subset becomes valid once the DestinationPolicy
 * defining it arrives.
 *
 * <p>A change is applied as one batch: every value is parsed once and the whole set is
 * cross-validated a few times at most, so a resync of N policies costs O(N), not O(N²).
 */
public final class PolicyStore {
  private static final int MAX_VALIDATION_ROUNDS = 8;

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
  private long revision;
  private ConfigChange.Origin origin;

  public PolicyStore(KeyLayout layout, SnapshotBuilder builder, Consumer<MeshSnapshot> publisher) {
    this.layout = layout;
    this.builder = builder;
    this.publisher = publisher;
  }

  /** Applies one change and publishes the snapshot that results. */
  public synchronized MeshSnapshot apply(ConfigChange change) {
    Map<String, byte[]> policyChanges = new LinkedHashMap<>();
    if (change instanceof ConfigChange.Resync resync) {
      // Keys absent from a resync were deleted while we were not watching.
      for (String key : union(inForce.keySet(), rejectedRaw.keySet())) {
        if (!resync.values().containsKey(key)) {
          policyChanges.put(key, null);
        }
      }
      for (String key : new ArrayList<>(endpoints.keySet())) {
        if (!resync.values().containsKey(key)) {
          applyEndpoint(key, null);
        }
      }
      resync.values().forEach((key, value) -> route(key, value, policyChanges));
      origin = resync.origin();
      revision = resync.revision();
    } else if (change instanceof ConfigChange.Delta delta) {
      for (ConfigChange.KeyChange c : delta.changes()) {
        route(c.key(), c.value(), policyChanges);
      }
      revision = Math.max(revision, delta.revision());
    }
    applyPolicies(policyChanges);
    return publish(origin == null ? ConfigChange.Origin.ETCD : origin);
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
    return publish(origin);
  }

  private MeshSnapshot publish(ConfigChange.Origin snapshotOrigin) {
    MeshSnapshot snapshot = builder.build(inForce, endpoints, revision, snapshotOrigin, rejected);
    publisher.accept(snapshot);
    return snapshot;
  }

  private void route(String key, byte[] value, Map<String, byte[]> policyChanges) {
    if (layout.parseEndpointKey(key).isPresent()) {
      applyEndpoint(key, value);
    } else if (key.startsWith(layout.policiesPrefix())) {
      policyChanges.put(key, value);
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

  /**
   * Applies puts and deletes of policy keys, together with every value still rejected from
   * earlier changes: parse each once, then validate the candidate set and back out the new
   * values that have problems until the set is clean.
   */
  private void applyPolicies(Map<String, byte[]> changes) {
    Map<String, Policy> next = new TreeMap<>(inForce);
    Map<String, byte[]> candidates = new LinkedHashMap<>(rejectedRaw);
    Set<String> changedNow = new HashSet<>();
    for (Map.Entry<String, byte[]> c : changes.entrySet()) {
      String key = c.getKey();
      byte[] value = c.getValue();
      if (value == null) {
        next.remove(key);
        inForceRaw.remove(key);
        rejected.remove(key);
        rejectedRaw.remove(key);
        candidates.remove(key);
      } else if (!Arrays.equals(value, inForceRaw.get(key)) && !Arrays.equals(value, rejectedRaw.get(key))) {
        candidates.put(key, value);
        changedNow.add(key);
      }
    }
    if (candidates.isEmpty()) {
      inForce.keySet().retainAll(next.keySet());
      return;
    }
    Map<String, List<Problem>> problems = new HashMap<>();
    Map<String, Policy> fresh = new HashMap<>();
    for (Map.Entry<String, byte[]> c : candidates.entrySet()) {
      ParseResult parsed = PolicyParser.parseKeyValue(layout, c.getKey(), c.getValue());
      if (parsed.ok()) {
        fresh.put(c.getKey(), parsed.policies().get(0));
        next.put(c.getKey(), parsed.policies().get(0));
      } else {
        problems.put(c.getKey(), parsed.problems());
      }
    }
    // Back out new values with cross-policy problems; removing one can make another invalid
    // (a DestinationPolicy backed out leaves its Routes dangling), hence the rounds.
    for (int round = 0; round < MAX_VALIDATION_ROUNDS && !fresh.isEmpty(); round++) {
      Map<String, List<Problem>> found = new HashMap<>();
      for (Problem p : PolicySetValidator.validate(next)) {
        if (fresh.containsKey(p.source())) {
          found.computeIfAbsent(p.source(), k -> new ArrayList<>()).add(p);
        }
      }
      if (found.isEmpty()) {
        break;
      }
      found.forEach(
          (key, list) -> {
            fresh.remove(key);
            problems.put(key, list);
            Policy previous = inForce.get(key);
            if (previous == null) {
              next.remove(key);
            } else {
              next.put(key, previous);
            }
          });
    }
    for (String key : fresh.keySet()) {
      inForceRaw.put(key, candidates.get(key));
      rejected.remove(key);
      rejectedRaw.remove(key);
      if (!changedNow.contains(key)) {
        AgentLog.info(key + ": policy accepted now that the policies it refers to are in force");
      }
    }
    problems.forEach(
        (key, list) -> {
          rejected.put(key, list);
          rejectedRaw.put(key, candidates.get(key));
          if (changedNow.contains(key)) {
            list.forEach(p -> AgentLog.warn("policy rejected, last good version kept: " + p));
          }
        });
    inForce.clear();
    inForce.putAll(next);
  }

  private static Set<String> union(Set<String> a, Set<String> b) {
    Set<String> all = new HashSet<>(a);
    all.addAll(b);
    return all;
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
