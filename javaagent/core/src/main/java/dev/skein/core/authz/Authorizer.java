package dev.skein.core.authz;

import dev.skein.api.AuthorizationPolicySpec;
import dev.skein.api.AuthzAction;
import dev.skein.api.Policy;
import dev.skein.api.PolicyKind;
import dev.skein.bootstrap.AgentLog;
import dev.skein.bootstrap.Bridge;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The AuthorizationPolicies of this instance's service (a policy selecting the service, or one
 * without a selector in its namespace), rebuilt with every snapshot. A request is denied when a
 * DENY policy matches it, or when ALLOW policies exist and none matches it; otherwise allowed. An
 * AUDIT policy is a DENY policy on trial: what it matches is logged and counted, never denied.
 */
public final class Authorizer {
  /** What {@link #decide} answers. */
  public enum Verdict {
    ALLOW,
    DENY
  }

  private record Rules(List<CompiledPolicy> deny, List<CompiledPolicy> allow, List<CompiledPolicy> audit) {
    static final Rules NONE = new Rules(List.of(), List.of(), List.of());

    boolean isEmpty() {
      return deny.isEmpty() && allow.isEmpty() && audit.isEmpty();
    }
  }

  private final String namespace;
  private final String service;
  private volatile Rules rules = Rules.NONE;
  private final LongAdder allowed = new LongAdder();
  private final LongAdder denied = new LongAdder();
  private final LongAdder audited = new LongAdder();
  // At most one log line per policy and second: a denied client may retry in a tight loop.
  private final Map<String, Long> lastLogged = new ConcurrentHashMap<>();

  private final java.util.function.Consumer<String> onAudit;

  /**
   * @param service {@code null} for an anonymous workload: only namespace-wide policies apply
   * @param onAudit told the policy's name each time an AUDIT policy matches (for a metric)
   */
  public Authorizer(String namespace, String service, java.util.function.Consumer<String> onAudit) {
    this.namespace = namespace;
    this.service = service;
    this.onAudit = onAudit;
  }

  /** Applies the policies in force (called with every published snapshot). */
  public synchronized void update(Map<String, Policy> policies) {
    List<CompiledPolicy> deny = new ArrayList<>();
    List<CompiledPolicy> allow = new ArrayList<>();
    List<CompiledPolicy> audit = new ArrayList<>();
    policies.values().stream()
        .filter(p -> p.kind() == PolicyKind.AuthorizationPolicy && namespace.equals(p.namespace()))
        .sorted((a, b) -> a.name().compareTo(b.name()))
        .forEach(
            p -> {
              AuthorizationPolicySpec spec = p.spec(AuthorizationPolicySpec.class);
              if (spec.selector() != null && !spec.selector().service().equals(service)) {
                return;
              }
              CompiledPolicy compiled = CompiledPolicy.of(p.name(), spec);
              (spec.action() == AuthzAction.DENY ? deny : spec.action() == AuthzAction.ALLOW ? allow : audit).add(compiled);
            });
    Rules next = new Rules(List.copyOf(deny), List.copyOf(allow), List.copyOf(audit));
    if (!next.equals(rules)) {
      AgentLog.info(
          "authorization for " + (service == null ? "namespace " + namespace : service) + ": " + names(allow) + " ALLOW, "
              + names(deny) + " DENY, " + names(audit) + " AUDIT");
    }
    rules = next;
    Bridge.authorizationInForce(!next.isEmpty());
  }

  /** Whether any AuthorizationPolicy applies to this instance. */
  public boolean inForce() {
    return !rules.isEmpty();
  }

  /**
   * @param method the HTTP method ({@code POST} for gRPC)
   * @param target the request target; its query is ignored
   * @param principal the peer's SPIFFE ID, or {@code null}
   */
  public Verdict decide(String method, String target, String principal) {
    Rules r = rules;
    if (r.isEmpty()) {
      return Verdict.ALLOW;
    }
    int q = target.indexOf('?');
    String path = q < 0 ? target : target.substring(0, q);
    String namespace = PeerIdentity.namespace(principal);
    for (CompiledPolicy p : r.deny) {
      if (p.matches(principal, namespace, method, path)) {
        return deny(p.name(), method, path, principal);
      }
    }
    if (!r.allow.isEmpty()) {
      boolean any = false;
      for (CompiledPolicy p : r.allow) {
        if (p.matches(principal, namespace, method, path)) {
          any = true;
          break;
        }
      }
      if (!any) {
        return deny("no ALLOW rule matches", method, path, principal);
      }
    }
    for (CompiledPolicy p : r.audit) {
      if (p.matches(principal, namespace, method, path)) {
        audited.increment();
        onAudit.accept(p.name());
        log("audit", p.name(), "authorization AUDIT: policy " + p.name() + " would deny " + describe(method, path, principal));
      }
    }
    allowed.increment();
    return Verdict.ALLOW;
  }

  /** Counts a request denied because the decision itself failed. */
  public void deniedByFault() {
    denied.increment();
  }

  private Verdict deny(String why, String method, String path, String principal) {
    denied.increment();
    log("deny", why, "authorization denied " + describe(method, path, principal) + " (" + why + ")");
    return Verdict.DENY;
  }

  private void log(String kind, String key, String line) {
    long now = System.nanoTime();
    Long previous = lastLogged.get(kind + key);
    if (previous == null || now - previous > 1_000_000_000L) {
      lastLogged.put(kind + key, now);
      AgentLog.info(line);
    }
  }

  private static String describe(String method, String path, String principal) {
    return method + " " + path + " from " + (principal == null ? "an unauthenticated peer" : principal);
  }

  /** For {@code /config_dump}: the policies in force per action and the decision counts. */
  public Map<String, Object> describe() {
    Rules r = rules;
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("allow", names(r.allow));
    d.put("deny", names(r.deny));
    d.put("audit", names(r.audit));
    d.put("allowed", allowed.sum());
    d.put("denied", denied.sum());
    d.put("audited", audited.sum());
    return d;
  }

  public long deniedCount() {
    return denied.sum();
  }

  public long auditedCount() {
    return audited.sum();
  }

  private static List<String> names(List<CompiledPolicy> policies) {
    return policies.stream().map(CompiledPolicy::name).toList();
  }
}
