package dev.skein.core.routing;

import dev.skein.bootstrap.CallPolicy;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A gRPC service config (the JSON shape, as maps) from a service's Route, so that mesh channels
 * retry and time out with gRPC's own machinery: {@code retries.attempts} becomes
 * {@code maxAttempts} (one more: gRPC counts the first try), {@code retryOn} the retryable codes,
 * {@code timeout} the method timeout (gRPC reports DEADLINE_EXCEEDED). Backoff is exponential
 * and jittered by gRPC. A service config applies per method, not per request: the rule used is
 * the first one without matches (the catch-all), else the only rule. gRPC has no per-try timeout
 * outside hedging, so {@code perTryTimeout} does not apply to gRPC.
 */
public final class GrpcServiceConfig {
  private GrpcServiceConfig() {}

  /** {@code null} when the Route sets no retries or timeout for its catch-all rule. */
  public static Map<String, Object> of(ServiceTarget target) {
    CompiledRoute route = target == null ? null : target.route();
    if (route == null || route.rules().isEmpty()) {
      return null;
    }
    CompiledRoute.Rule chosen = route.rules().size() == 1 ? route.rules().get(0) : null;
    for (CompiledRoute.Rule rule : route.rules()) {
      if (rule.matches().isEmpty()) {
        chosen = rule;
        break;
      }
    }
    CallPolicy policy = chosen == null ? null : chosen.policy();
    if (policy == null || (policy.attempts() <= 0 && policy.timeoutMillis() <= 0)) {
      return null;
    }
    Map<String, Object> method = new LinkedHashMap<>();
    method.put("name", List.of(Map.of()));
    if (policy.timeoutMillis() > 0) {
      method.put("timeout", seconds(policy.timeoutMillis()));
    }
    List<Object> codes = codes(policy.retryOnList());
    if (policy.attempts() > 0 && !codes.isEmpty()) {
      Map<String, Object> retry = new LinkedHashMap<>();
      // gRPC caps maxAttempts at 5 unless the channel raises it.
      retry.put("maxAttempts", (double) Math.min(5, policy.attempts() + 1));
      retry.put("initialBackoff", "0.025s");
      retry.put("maxBackoff", "0.25s");
      retry.put("backoffMultiplier", 2.0);
      retry.put("retryableStatusCodes", codes);
      method.put("retryPolicy", retry);
    }
    return Map.of("methodConfig", List.of(method));
  }

  /** HTTP-flavoured conditions mean UNAVAILABLE for gRPC; gRPC names map to their codes. */
  static List<Object> codes(String retryOn) {
    List<Object> codes = new ArrayList<>();
    for (String condition : retryOn.split(",")) {
      String code =
          switch (condition) {
            case "", "retriable-status-codes" -> null;
            case "5xx", "gateway-error", "connect-failure", "reset", "refused-stream" -> "UNAVAILABLE";
            default -> condition.toUpperCase(java.util.Locale.ROOT).replace('-', '_');
          };
      if (code != null && !codes.contains(code)) {
        codes.add(code);
      }
    }
    return codes;
  }

  private static String seconds(long millis) {
    return (millis / 1000) + "." + String.format("%03d", millis % 1000) + "s";
  }
}
