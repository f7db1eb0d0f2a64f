package dev.skein.core.resilience;

import dev.skein.api.Policy;
import dev.skein.api.PolicyKind;
import dev.skein.api.RateLimitPolicySpec;
import dev.skein.bootstrap.AgentLog;
import java.util.List;
import java.util.Map;

/**
 * The RateLimitPolicy of this instance's own service: one token bucket per instance (each
 * instance enforces the rate on its own), shared by every server of the JVM. A policy that
 * selects the service wins over one for the whole namespace. Rebuilt only when the rate or the
 * burst changes, so an unrelated policy change does not refill the bucket.
 */
public final class InboundLimits {
  private final String namespace;
  private final String service;
  private volatile Limit limit;

  /** @param service {@code null}: an anonymous workload, never limited */
  public InboundLimits(String namespace, String service) {
    this.namespace = namespace;
    this.service = service;
  }

  /** Applies the policies in force (called with every published snapshot). */
  public synchronized void update(Map<String, Policy> policies) {
    RateLimitPolicySpec chosen = service == null ? null : select(policies.values());
    Limit current = limit;
    if (chosen == null) {
      if (current != null) {
        AgentLog.info("rate limit for " + service + " removed");
      }
      limit = null;
      return;
    }
    List<Object> settings = List.of(chosen.requestsPerSecond(), chosen.burst());
    if (current == null || !current.settings.equals(settings)) {
      limit = new Limit(settings, new TokenBucket(chosen.requestsPerSecond(), chosen.burst(), System.nanoTime()));
      AgentLog.info(
          "rate limit for " + service + ": " + chosen.requestsPerSecond() + " requests/s, burst " + chosen.burst());
    }
  }

  /** Whether one inbound request may proceed; {@code true} when no policy limits this service. */
  public boolean admit() {
    Limit current = limit;
    return current == null || current.bucket.tryAcquire(System.nanoTime());
  }

  private RateLimitPolicySpec select(Iterable<Policy> policies) {
    RateLimitPolicySpec namespaceWide = null;
    for (Policy p : policies) {
      if (p.kind() != PolicyKind.RateLimitPolicy || !namespace.equals(p.namespace())) {
        continue;
      }
      RateLimitPolicySpec spec = p.spec(RateLimitPolicySpec.class);
      if (spec.selector() == null) {
        namespaceWide = spec;
      } else if (service.equals(spec.selector().service())) {
        return spec;
      }
    }
    return namespaceWide;
  }

  private record Limit(List<Object> settings, TokenBucket bucket) {}
}
