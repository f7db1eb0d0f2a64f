package dev.skein.core.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RetryBudgetTest {
  @Test
  void retriesAreCappedAtTwentyPercentOfRequestsPlusTheReserve() {
    RetryBudget budget = new RetryBudget();
    int retries = 0;
    for (int i = 0; i < 1_000; i++) {
      budget.deposit();
      while (budget.tryWithdraw()) { // a caller that would retry every call without end
        retries++;
      }
    }
    assertThat(retries).isBetween(200, 200 + RetryBudget.RESERVE);
  }

  @Test
  void aQuietDestinationStillHasTheReserve() {
    RetryBudget budget = new RetryBudget();
    for (int i = 0; i < RetryBudget.RESERVE; i++) {
      assertThat(budget.tryWithdraw()).isTrue();
    }
    assertThat(budget.tryWithdraw()).isFalse();
  }
}
