package dev.skein.core.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class StartupPhasesTest {
  @Test
  void theSummaryListsEachPhaseOnceInTheOrderItWasDone() {
    StartupPhases phases = new StartupPhases(System.nanoTime());
    phases.mark(StartupPhases.PREMAIN);
    phases.mark(StartupPhases.INSTRUMENTATION);
    phases.mark(StartupPhases.SNAPSHOT);
    phases.mark(StartupPhases.INSTRUMENTATION); // a second time counts for nothing
    phases.firstRequest();
    phases.firstRequest();

    assertThat(phases.summary())
        .matches("premain \\d+, instrumentation \\d+, snapshot \\d+, first request \\d+");
  }

  @Test
  void aPhaseDoneAfterTheFirstRequestIsStillRecorded() {
    StartupPhases phases = new StartupPhases(System.nanoTime());
    phases.firstRequest();
    phases.mark(StartupPhases.CERTIFICATE);

    assertThat(phases.summary()).matches("first request \\d+, certificate \\d+");
  }
}
