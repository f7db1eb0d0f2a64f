package dev.skein.core.state;

import static dev.skein.core.state.StoreFixture.DP_KEY;
import static dev.skein.core.state.StoreFixture.ROUTE_KEY;
import static org.assertj.core.api.Assertions.assertThat;

import dev.skein.api.PolicyKind;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PolicyStoreTest {
  private final StoreFixture f = new StoreFixture();

  @Test
  void validPolicyIsInForceAndCountedInTheSnapshot() {
    MeshSnapshot s = f.put(DP_KEY, StoreFixture.SUBSETS);
    assertThat(s.policies()).containsOnlyKeys(DP_KEY);
    assertThat(s.policies().get(DP_KEY).kind()).isEqualTo(PolicyKind.DestinationPolicy);
    assertThat(s.rejected()).isEmpty();
  }

  @Test
  void invalidValueNeverReplacesTheLastGoodOne() {
    f.put(DP_KEY, StoreFixture.SUBSETS);
    f.put(ROUTE_KEY, StoreFixture.split(90, 10));
    MeshSnapshot s = f.put(ROUTE_KEY, StoreFixture.split(140, 10));
    assertThat(s.policies().get(ROUTE_KEY).toString()).contains("weight=90");
    assertThat(s.rejected().get(ROUTE_KEY)).singleElement().asString()
        .startsWith(ROUTE_KEY + ": spec.http[0].route[0].weight").contains("140");
  }

  @Test
  void garbageIsRejectedWithoutException() {
    MeshSnapshot s = f.put(ROUTE_KEY, "spec: {host: [orders");
    assertThat(s.policies()).isEmpty();
    assertThat(s.rejected()).containsKey(ROUTE_KEY);
  }

  @Test
  void routeNamingAnUnknownSubsetIsHeldBackUntilTheDestinationPolicyArrives() {
    MeshSnapshot before = f.put(ROUTE_KEY, StoreFixture.split(90, 10));
    assertThat(before.policies()).isEmpty();
    assertThat(before.rejected().get(ROUTE_KEY).toString()).contains("subset");
    MeshSnapshot after = f.put(DP_KEY, StoreFixture.SUBSETS);
    assertThat(after.policies()).containsOnlyKeys(DP_KEY, ROUTE_KEY);
    assertThat(after.rejected()).isEmpty();
  }

  @Test
  void deleteRemovesThePolicyAndAnyRejection() {
    f.put(DP_KEY, StoreFixture.SUBSETS);
    f.put(DP_KEY, "kind: DestinationPolicy\nspec: {host: orders, bogus: 1}");
    MeshSnapshot s = f.delete(DP_KEY);
    assertThat(s.policies()).isEmpty();
    assertThat(s.rejected()).isEmpty();
  }

  @Test
  void resyncDropsKeysThatVanishedWhileNotWatching() {
    f.put(DP_KEY, StoreFixture.SUBSETS);
    f.endpoint("orders", "a", 8081, "v1");
    MeshSnapshot s =
        f.store.apply(
            new ConfigChange.Resync(
                Map.of(ROUTE_KEY.replace("orders", "other"), "kind: Route\nspec: {host: other, http: [{route: [{destination: {}}]}]}"
                    .getBytes(StandardCharsets.UTF_8)),
                99,
                ConfigChange.Origin.ETCD));
    assertThat(s.policies()).containsOnlyKeys("/skein/policies/default/Route/other");
    assertThat(s.endpoints()).isEmpty();
    assertThat(s.revision()).isEqualTo(99);
  }

  @Test
  void aResyncAcceptsARouteTogetherWithTheDestinationPolicyItNames() {
    Map<String, byte[]> values = new java.util.LinkedHashMap<>();
    values.put(ROUTE_KEY, StoreFixture.split(90, 10).getBytes(StandardCharsets.UTF_8));
    values.put(DP_KEY, StoreFixture.SUBSETS.getBytes(StandardCharsets.UTF_8));
    values.put("/skein/policies/default/Route/bad", "kind: Route\nspec: {host: bad, http: [{route: [{destination: {subset: nope}}]}]}"
        .getBytes(StandardCharsets.UTF_8));
    MeshSnapshot s = f.store.apply(new ConfigChange.Resync(values, 7, ConfigChange.Origin.ETCD));
    assertThat(s.policies()).containsOnlyKeys(DP_KEY, ROUTE_KEY);
    assertThat(s.rejected()).containsOnlyKeys("/skein/policies/default/Route/bad");
  }

  @Test
  void aBackedOutDestinationPolicyTakesTheRoutesNamingItsSubsetsWithIt() {
    // One batch: a DestinationPolicy with a problem and a Route naming its subsets.
    MeshSnapshot s =
        f.store.apply(
            new ConfigChange.Delta(
                java.util.List.of(
                    new ConfigChange.KeyChange(DP_KEY, (StoreFixture.SUBSETS + "  bogus: 1\n").getBytes(StandardCharsets.UTF_8)),
                    new ConfigChange.KeyChange(ROUTE_KEY, StoreFixture.split(50, 50).getBytes(StandardCharsets.UTF_8))),
                3));
    assertThat(s.policies()).isEmpty();
    assertThat(s.rejected()).containsOnlyKeys(DP_KEY, ROUTE_KEY);
  }

  @Test
  void rawValuesInForceAreKeptForTheCache() {
    f.put(DP_KEY, StoreFixture.SUBSETS);
    f.endpoint("orders", "a", 8081, "v1");
    assertThat(f.store.rawInForce()).containsOnlyKeys(DP_KEY, "/skein/endpoints/default/orders/a");
  }

  @Test
  void fileModeRejectsAWholeFileWithAnyProblem() {
    // In a file nothing names the policy but its metadata.
    String good =
        StoreFixture.SUBSETS.replace("kind: DestinationPolicy\n", "kind: DestinationPolicy\nmetadata: {name: orders}\n")
            + "---\n"
            + StoreFixture.split(50, 50).replace("kind: Route\n", "kind: Route\nmetadata: {name: orders}\n");
    assertThat(f.store.applyFile("mesh.yaml", good).policies()).hasSize(2);
    assertThat(f.store.applyFile("mesh.yaml", good + "---\nkind: Route\nmetadata: {name: x}\nspec: {host: x, http: [{route: []}]}")).isNull();
    assertThat(f.router.snapshot().policies()).hasSize(2);
  }
}
