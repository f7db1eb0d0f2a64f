package dev.skein.core.authz;

import dev.skein.api.AuthorizationPolicySpec;
import dev.skein.api.AuthzAction;
import dev.skein.api.AuthzOperation;
import dev.skein.api.AuthzRule;
import dev.skein.api.AuthzSource;
import java.util.List;

/**
 * One AuthorizationPolicy, ready to match requests. A rule matches when one of its sources and one
 * of its operations match (an empty list matches anything); inside a source or an operation every
 * non-empty list must contain a match. Patterns: {@code *} matches anything (for principals:
 * any authenticated peer), a trailing {@code *} a prefix, anything else itself.
 */
record CompiledPolicy(String name, AuthzAction action, List<AuthzRule> rules) {
  static CompiledPolicy of(String name, AuthorizationPolicySpec spec) {
    return new CompiledPolicy(name, spec.action(), spec.rules());
  }

  /**
   * @param principal the peer's SPIFFE ID, or {@code null} for an unauthenticated peer
   * @param path the path without its query ({@code /pkg.Service/Method} for gRPC)
   */
  boolean matches(String principal, String namespace, String method, String path) {
    for (AuthzRule rule : rules) {
      if (anySource(rule.from(), principal, namespace) && anyOperation(rule.to(), method, path)) {
        return true;
      }
    }
    return false;
  }

  private static boolean anySource(List<AuthzSource> sources, String principal, String namespace) {
    if (sources.isEmpty()) {
      return true;
    }
    for (AuthzSource s : sources) {
      if (matchesAny(s.principals(), principal) && matchesAny(s.namespaces(), namespace)) {
        return true;
      }
    }
    return false;
  }

  private static boolean anyOperation(List<AuthzOperation> operations, String method, String path) {
    if (operations.isEmpty()) {
      return true;
    }
    for (AuthzOperation o : operations) {
      if (matchesAny(o.methods(), method) && matchesAny(o.paths(), path)) {
        return true;
      }
    }
    return false;
  }

  /** An empty list matches anything; a {@code null} value (no principal) matches no pattern. */
  private static boolean matchesAny(List<String> patterns, String value) {
    if (patterns.isEmpty()) {
      return true;
    }
    if (value == null) {
      return false;
    }
    for (String p : patterns) {
      if (p.equals("*") || p.equals(value) || p.endsWith("*") && value.startsWith(p.substring(0, p.length() - 1))) {
        return true;
      }
    }
    return false;
  }
}
