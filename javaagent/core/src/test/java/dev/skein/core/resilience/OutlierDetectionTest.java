package dev.skein.core.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skein.api.Endpoint;
import dev.skein.api.LbPolicy;
import dev.skein.api.OutlierDetection;
import dev.skein.bootstrap.HeaderLookup;
import dev.skein.core.routing.EndpointGroup;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OutlierDetectionTest {
  private final List<Endpoint> two =
      List.of(new Endpoint("127.0.0.1", 1, "http", Map.of()), new Endpoint("127.0.0.1", 2, "http", Map.of()));

  private EndpointGroup group(Duration base, int maxPercent) {
    DestinationGuard guard =
        new DestinationGuard(null, new OutlierDetection(3, Duration.ofSeconds(10), base, maxPercent), "s");
    return new EndpointGroup("default/orders", null, two, null, guard, LbPolicy.ROUND_ROBIN, null);
  }

  private static void fail(EndpointGroup g, int index, int times) {
    for (int i = 0; i < times; i++) {
      g.control(index).admit();
      g.control(index).finished(500, 0);
    }
  }

  @Test
  void consecutiveErrorsEjectForTheBaseTimeThenTheEndpointReturns() throws Exception {
    EndpointGroup g = group(Duration.ofMillis(300), 50);
    fail(g, 0, 2);
    assertThat(g.health(0).isEjected(System.nanoTime())).isFalse();
    fail(g, 0, 1);
    assertThat(g.health(0).isEjected(System.nanoTime())).isTrue();
    for (int i = 0; i < 10; i++) {
      assertThat(g.pick(HeaderLookup.NONE)).isEqualTo(1);
    }
    Thread.sleep(350);
    assertThat(g.health(0).isEjected(System.nanoTime())).isFalse();
    // The second ejection lasts twice the base time.
    fail(g, 0, 3);
    Thread.sleep(350);
    assertThat(g.health(0).isEjected(System.nanoTime())).isTrue();
  }

  @Test
  void aSuccessResetsTheCount() {
    EndpointGroup g = group(Duration.ofSeconds(30), 50);
    fail(g, 0, 2);
    g.control(0).admit();
    g.control(0).finished(200, 0);
    fail(g, 0, 2);
    assertThat(g.health(0).isEjected(System.nanoTime())).isFalse();
  }

  @Test
  void neverMoreThanMaxEjectionPercent() {
    EndpointGroup g = group(Duration.ofSeconds(30), 50);
    fail(g, 0, 3);
    fail(g, 1, 10);
    assertThat(g.health(0).isEjected(System.nanoTime())).isTrue();
    assertThat(g.health(1).isEjected(System.nanoTime())).isFalse();
  }
}
