package dev.skein.core.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TokenBucketTest {
  private static final long MS = 1_000_000L;

  /** Requests every {@code gapMs} for {@code seconds}; how many the bucket lets through. */
  private static int admitted(TokenBucket bucket, long startNanos, long gapMs, int seconds) {
    int ok = 0;
    for (long t = 0; t < seconds * 1000L; t += gapMs) {
      if (bucket.tryAcquire(startNanos + t * MS)) {
        ok++;
      }
    }
    return ok;
  }

  @Test
  void steadyOverloadGetsTheSetRatePlusTheJitterAllowance() {
    long start = 1_000_000_000L;
    TokenBucket bucket = new TokenBucket(50, 0, start);
    // 200/s for 4 s: 200 at the rate, plus the 100 ms allowance (5) and the first token.
    assertThat(admitted(bucket, start, 5, 4)).isBetween(200, 206);
  }

  @Test
  void aBurstIsLetThroughAtOnceThenTheRate() {
    long start = 5_000_000_000L;
    TokenBucket bucket = new TokenBucket(100, 20, start);
    int burst = 0;
    while (bucket.tryAcquire(start)) {
      burst++;
    }
    // burst 20 + 100 ms at 100/s (10) + the token due now
    assertThat(burst).isEqualTo(31);
    assertThat(bucket.tryAcquire(start + 9 * MS)).isFalse();
    assertThat(bucket.tryAcquire(start + 10 * MS)).isTrue();
  }

  @Test
  void anIdleBucketDoesNotSaveUpMoreThanItsCapacity() {
    long start = 0;
    TokenBucket bucket = new TokenBucket(10, 0, start);
    long later = start + 60_000 * MS;
    int n = 0;
    while (bucket.tryAcquire(later)) {
      n++;
    }
    assertThat(n).isEqualTo(2); // the token due now and one from the 100 ms allowance
  }

  @Test
  void underTheRateEverythingPasses() {
    TokenBucket bucket = new TokenBucket(50, 0, 0);
    assertThat(admitted(bucket, 0, 25, 4)).isEqualTo(160);
  }
}
