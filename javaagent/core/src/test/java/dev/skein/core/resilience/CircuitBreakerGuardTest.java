package dev.skein.core.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skein.api.CircuitBreakerSettings;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class CircuitBreakerGuardTest {
  private static DestinationGuard guard(Duration open) {
    return new DestinationGuard(null, null, new CircuitBreakerSettings(50, 4, open), "default/orders", "settings");
  }

  @Test
  void opensOnceMinimumCallsFailAtTheThreshold() {
    DestinationGuard g = guard(Duration.ofMinutes(1));
    for (int i = 0; i < 3; i++) {
      assertThat(g.tryAcquirePermission()).isTrue();
      g.recordOutcome(true, 1000);
    }
    assertThat(g.breakerState()).as("3 calls are fewer than minimumCalls").isEqualTo("CLOSED");
    assertThat(g.tryAcquirePermission()).isTrue();
    g.recordOutcome(true, 1000);
    assertThat(g.breakerState()).isEqualTo("OPEN");
    assertThat(g.tryAcquirePermission()).isFalse();
  }

  @Test
  void staysClosedBelowTheThreshold() {
    DestinationGuard g = guard(Duration.ofMinutes(1));
    for (int i = 0; i < 20; i++) {
      g.tryAcquirePermission();
      g.recordOutcome(i % 3 == 2, 1000); // one in three fails: never 50% once 4 calls are in
    }
    assertThat(g.breakerState()).isEqualTo("CLOSED");
  }

  @Test
  void halfOpensAfterTheOpenStateDurationAndClosesOnSuccess() throws Exception {
    DestinationGuard g = guard(Duration.ofMillis(50));
    for (int i = 0; i < 4; i++) {
      g.tryAcquirePermission();
      g.recordOutcome(true, 1000);
    }
    assertThat(g.tryAcquirePermission()).isFalse();
    Thread.sleep(80);
    // minimumCalls (4) trial calls in half-open: all succeed, the breaker closes.
    for (int i = 0; i < 4; i++) {
      assertThat(g.tryAcquirePermission()).isTrue();
      g.recordOutcome(false, 1000);
    }
    assertThat(g.breakerState()).isEqualTo("CLOSED");
  }

  @Test
  void noSettingsNoBreaker() {
    DestinationGuard g = new DestinationGuard(null, null, "settings");
    g.recordOutcome(true, 1);
    assertThat(g.tryAcquirePermission()).isTrue();
    assertThat(g.breakerState()).isNull();
  }
}
