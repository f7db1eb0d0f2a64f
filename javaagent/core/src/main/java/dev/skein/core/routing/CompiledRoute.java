package dev.skein.core.routing;

import dev.skein.api.RequestMatch;
import dev.skein.bootstrap.CallPolicy;
import dev.skein.bootstrap.HeaderLookup;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A Route made ready for the hot path: rules in order, each with its matches and its
 * destinations as a cumulative weight table, destination services resolved at build time.
 */
public record CompiledRoute(String policyName, List<Rule> rules) {

  /** First matching rule, or {@code null}. */
  public Rule match(String method, String path, HeaderLookup headers) {
    for (int i = 0, n = rules.size(); i < n; i++) {
      Rule rule = rules.get(i);
      if (rule.matches(method, path, headers)) {
        return rule;
      }
    }
    return null;
  }

  /**
   * One rule: matches (empty = all requests), weighted destinations, and the faults, retries and
   * timeout it asks for ({@code policy}, {@code null} when it sets none).
   */
  public record Rule(String name, List<RequestMatch> matches, Choice[] choices, int totalWeight, CallPolicy policy, Mirror mirror) {
    public Rule(String name, List<RequestMatch> matches, Choice[] choices, int totalWeight, CallPolicy policy) {
      this(name, matches, choices, totalWeight, policy, null);
    }

    boolean matches(String method, String path, HeaderLookup headers) {
      if (matches.isEmpty()) {
        return true;
      }
      for (int i = 0, n = matches.size(); i < n; i++) {
        if (matches.get(i).matches(method, path, headers::get)) {
          return true;
        }
      }
      return false;
    }

    /** Picks a destination by weight; {@code null} when every weight is 0. */
    public Choice pick() {
      if (choices.length == 1) {
        return choices[0];
      }
      if (totalWeight <= 0) {
        return null;
      }
      int r = ThreadLocalRandom.current().nextInt(totalWeight);
      for (Choice c : choices) {
        if (r < c.cumulativeWeight()) {
          return c;
        }
      }
      return choices[choices.length - 1];
    }
  }

  /**
   * One weighted destination: the target service (resolved when the snapshot is built, so that
   * the hot path does no lookup) and its subset.
   */
  public record Choice(ServiceRef service, String subset, int cumulativeWeight) {}

  /** Route {@code mirror}: where copies go and the share of calls copied, 0..100. */
  public record Mirror(ServiceRef service, String subset, double percent) {
    /** Rolls the dice for one call. */
    public boolean now() {
      return percent >= 100 || (percent > 0 && ThreadLocalRandom.current().nextDouble(100.0) < percent);
    }
  }

  /** A late-bound reference to a service of the same snapshot: {@code namespace/name}. */
  public record ServiceRef(String namespace, String name) {
    public String id() {
      return namespace + "/" + name;
    }
  }
}
