package dev.skein.core.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skein.api.Endpoint;
import dev.skein.api.LbPolicy;
import dev.skein.bootstrap.HeaderLookup;
import dev.skein.core.resilience.EndpointHealth;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BalancerTest {
  private static List<Endpoint> endpoints(int n) {
    List<Endpoint> list = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      list.add(new Endpoint("127.0.0." + (i + 1), 8080, "http", Map.of()));
    }
    return list;
  }

  private static EndpointGroup group(List<Endpoint> endpoints, LbPolicy lb) {
    return new EndpointGroup("default/orders", null, endpoints, null, null, lb, "x-user");
  }

  private static int[] counts(EndpointGroup g, int calls) {
    int[] counts = new int[g.size()];
    for (int i = 0; i < calls; i++) {
      counts[g.pick(HeaderLookup.NONE)]++;
    }
    return counts;
  }

  private static HeaderLookup user(String key) {
    return name -> name.equals("x-user") ? key : null;
  }

  @Test
  void roundRobinIsExactlyEven() {
    assertThat(counts(group(endpoints(3), LbPolicy.ROUND_ROBIN), 300)).containsExactly(100, 100, 100);
  }

  @Test
  void randomIsRoughlyEven() {
    for (int c : counts(group(endpoints(4), LbPolicy.RANDOM), 40_000)) {
      assertThat(c).isBetween(9_000, 11_000);
    }
  }

  @Test
  void leastRequestAvoidsTheBusyEndpoint() {
    EndpointGroup g = group(endpoints(3), LbPolicy.LEAST_REQUEST);
    for (int i = 0; i < 5; i++) {
      assertThat(g.control(0).admit()).isNull(); // five calls in flight on endpoint 0
    }
    int[] counts = counts(g, 3_000);
    // Two distinct candidates: the busy one is never the lesser, so never chosen.
    assertThat(counts[0]).isZero();
    assertThat(counts[1]).isBetween(1_200, 1_800);
    for (int i = 0; i < 5; i++) {
      g.control(0).finished(200, 0);
    }
    assertThat(counts(g, 3_000)[0]).isBetween(700, 1_300);
  }

  @Test
  void ringHashKeepsAKeyOnItsEndpoint() {
    EndpointGroup g = group(endpoints(5), LbPolicy.RING_HASH);
    // Another snapshot with the same endpoints in another order maps every key alike.
    List<Endpoint> reversed = new ArrayList<>(endpoints(5));
    java.util.Collections.reverse(reversed);
    EndpointGroup rebuilt = group(reversed, LbPolicy.RING_HASH);
    for (int k = 0; k < 2_000; k++) {
      int first = g.pick(user("user-" + k));
      assertThat(g.pick(user("user-" + k))).isEqualTo(first);
      assertThat(rebuilt.endpoint(rebuilt.pick(user("user-" + k)))).isEqualTo(g.endpoint(first));
    }
  }

  @Test
  void ringHashMovesAboutOneNthOfKeysWhenOneOfNLeaves() {
    int n = 10;
    int keys = 20_000;
    List<Endpoint> all = endpoints(n);
    EndpointGroup before = group(all, LbPolicy.RING_HASH);
    Endpoint leaving = all.get(3);
    List<Endpoint> rest = new ArrayList<>(all);
    rest.remove(leaving);
    EndpointGroup after = group(rest, LbPolicy.RING_HASH);
    int moved = 0;
    int[] load = new int[n];
    for (int k = 0; k < keys; k++) {
      Endpoint was = before.endpoint(before.pick(user("k" + k)));
      Endpoint now = after.endpoint(after.pick(user("k" + k)));
      load[all.indexOf(was)]++;
      if (!was.equals(now)) {
        moved++;
        assertThat(was).as("only the leaving endpoint's keys move").isEqualTo(leaving);
      }
    }
    double share = moved / (double) keys;
    System.out.printf("ring hash: %.2f%% of keys moved when 1 of %d endpoints left%n", 100 * share, n);
    assertThat(share).isBetween(0.05, 0.15);
    for (int l : load) {
      assertThat(l).as("100 virtual nodes spread keys within about +-35%").isBetween(keys / n * 65 / 100, keys / n * 135 / 100);
    }
  }

  @Test
  void ringHashWithoutTheHeaderSpreadsRandomly() {
    int[] counts = counts(group(endpoints(2), LbPolicy.RING_HASH), 2_000);
    assertThat(counts[0]).isBetween(800, 1_200);
  }

  @Test
  void everyBalancerSkipsEjectedEndpoints() {
    for (LbPolicy lb : LbPolicy.values()) {
      List<Endpoint> list = endpoints(3);
      EndpointHealth[] health = {new EndpointHealth(), new EndpointHealth(), new EndpointHealth()};
      EndpointGroup g = new EndpointGroup("default/orders", null, list, health, null, lb, "x-user");
      Map<Integer, Integer> seen = new HashMap<>();
      ejectForAMinute(health[1]);
      for (int k = 0; k < 600; k++) {
        seen.merge(g.pick(user("u" + k)), 1, Integer::sum);
      }
      assertThat(seen).as(lb.name()).doesNotContainKey(1).containsKeys(0, 2);
    }
  }

  /** Through the package-private hook the outlier detector uses. */
  static void ejectForAMinute(EndpointHealth h) {
    dev.skein.core.resilience.ResilienceTestAccess.eject(h, 60_000_000_000L);
  }
}
