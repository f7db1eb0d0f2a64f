package dev.skein.core.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skein.api.Endpoint;
import dev.skein.api.LbPolicy;
import dev.skein.api.OutlierDetection;
import dev.skein.bootstrap.HeaderLookup;
import dev.skein.bootstrap.OutboundRoute;
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

  /**
   * A live endpoint ejected for a blip must not shield a dead one: the retry of a call that
   * failed on the dead endpoint goes to the ejected live one (never back to the dead one), its
   * success ends that ejection, and the dead endpoint's next failure ejects it.
   */
  @Test
  void aRetryGoesToTheEjectedLiveEndpointWhoseSuccessLetsTheDeadOneBeEjected() {
    DestinationGuard guard = new DestinationGuard(null, new OutlierDetection(1, Duration.ofSeconds(1), Duration.ofSeconds(30), 50), "s");
    EndpointGroup g = new EndpointGroup("default/orders", null, two, null, guard, LbPolicy.ROUND_ROBIN, null);
    g.control(1).admit();
    g.control(1).finished(0, 0); // endpoint 2 ejected for a blip
    assertThat(g.health(1).isEjected(System.nanoTime())).isTrue();
    // Endpoint 1 dies: its failure cannot eject it (50% are ejected), but the retry leaves it.
    g.control(0).admit();
    g.control(0).finished(0, 0);
    assertThat(g.health(0).isEjected(System.nanoTime())).isFalse();
    OutboundRoute first = new OutboundRoute("127.0.0.1", 1, "default/orders", "r", null, null, g.control(0));
    OutboundRoute retry = first.reroute();
    assertThat(retry.port()).isEqualTo(2);
    retry.admit();
    retry.finished(200, 0);
    assertThat(g.health(1).isEjected(System.nanoTime())).isFalse();
    // The dead endpoint's next failure ejects it; calls then go to the live one.
    g.control(0).admit();
    g.control(0).finished(0, 0);
    assertThat(g.health(0).isEjected(System.nanoTime())).isTrue();
    for (int i = 0; i < 5; i++) {
      assertThat(g.pick(HeaderLookup.NONE)).isEqualTo(1);
    }
  }

  @Test
  void aCallInFlightAtTheEjectionDoesNotEndIt() throws Exception {
    EndpointGroup g = group(Duration.ofSeconds(30), 50);
    g.control(0).admit();
    Thread.sleep(5);
    fail(g, 0, 3);
    // Sent 5 ms before the ejection, it succeeds after it: no proof the endpoint is back.
    g.control(0).finished(200, 5_000_000);
    assertThat(g.health(0).isEjected(System.nanoTime())).isTrue();
  }

  /** As Envoy: each repeat ejection lasts one base time longer; each healthy interval takes one off. */
  @Test
  void repeatEjectionsLastLongerAndHealthyIntervalsBringTheTimeBackDown() {
    EndpointHealth h = new EndpointHealth();
    long base = 1_000;
    long interval = 10_000;
    long t = 1_000_000;
    h.eject(t, base, interval);
    assertThat(ejectedFor(h, t)).isEqualTo(base);
    t += base;
    h.eject(t, base, interval);
    assertThat(ejectedFor(h, t)).isEqualTo(2 * base);
    t += 2 * base;
    h.eject(t, base, interval);
    assertThat(ejectedFor(h, t)).isEqualTo(3 * base);
    // Healthy for two and a half intervals after that ejection: two off, then one on.
    t += 3 * base + 25_000;
    h.eject(t, base, interval);
    assertThat(ejectedFor(h, t)).isEqualTo(2 * base);
    // Healthy for a long time: back to the base time.
    t += 2 * base + 100 * interval;
    h.eject(t, base, interval);
    assertThat(ejectedFor(h, t)).isEqualTo(base);
  }

  /** Ends an ejection early by a success; healthy intervals count from then. */
  @Test
  void healthyIntervalsCountFromASuccessThatEndedTheEjectionEarly() {
    EndpointHealth h = new EndpointHealth();
    long t = 1_000_000;
    h.eject(t, 50_000, 10_000);
    h.eject(t + 50_000, 50_000, 10_000); // two ejections: 100_000 long
    assertThat(h.returnIfSentSinceEjection(t + 60_000, t + 60_001)).isTrue();
    h.eject(t + 60_001 + 10_000, 50_000, 10_000); // one interval healthy since: 2 - 1 + 1
    assertThat(h.ejections()).isEqualTo(2);
  }

  private static long ejectedFor(EndpointHealth h, long from) {
    long until = from;
    while (h.isEjected(until)) {
      until++;
    }
    return until - from;
  }
}
