package dev.skein.core.routing;

import dev.skein.api.LbPolicy;
import dev.skein.bootstrap.HeaderLookup;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Chooses one endpoint of a group for one request. Every strategy skips endpoints that outlier
 * detection ejected; when all are ejected it uses them anyway (Envoy's "panic" mode), so that
 * ejection never turns into an outage on its own.
 */
public interface Balancer {
  /** An index into {@code group}; the group is never empty. */
  int pick(EndpointGroup group, HeaderLookup headers);

  /** The strategy for a policy; ring hash needs the group's endpoints and is built by the group. */
  static Balancer of(LbPolicy policy) {
    if (policy == null) {
      return ROUND_ROBIN;
    }
    return switch (policy) {
      case RANDOM -> RANDOM;
      case LEAST_REQUEST -> LEAST_REQUEST;
      default -> ROUND_ROBIN;
    };
  }

  /** The group's cursor, skipping ejected endpoints. */
  Balancer ROUND_ROBIN = (group, headers) -> group.firstAvailableFrom(group.advanceCursor());

  /** Uniform, skipping ejected endpoints. */
  Balancer RANDOM = (group, headers) -> group.firstAvailableFrom(ThreadLocalRandom.current().nextInt(group.size()));

  /**
   * Power of two choices on in-flight requests: two distinct random endpoints, the one with fewer
   * calls in flight wins. Only libraries that report completion count in-flight calls; for the
   * others every count stays 0 and this is uniform random.
   */
  Balancer LEAST_REQUEST =
      (group, headers) -> {
        int n = group.size();
        if (n == 1) {
          return 0;
        }
        ThreadLocalRandom random = ThreadLocalRandom.current();
        int a = group.firstAvailableFrom(random.nextInt(n));
        int b = group.firstAvailableFrom(a + 1 + random.nextInt(n - 1));
        return group.inFlight(b) < group.inFlight(a) ? b : a;
      };
}
