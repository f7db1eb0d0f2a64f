package dev.skein.it.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

class FreePortsTest {
  /** Ports come from below the kernel's ephemeral range, where no outgoing connection takes them. */
  @Test
  void picksPortsBelowTheEphemeralRange() throws Exception {
    assumeTrue(Files.isReadable(FreePorts.ephemeralRangeFile()), "Linux only");
    int ephemeralLow;
    try (BufferedReader in = Files.newBufferedReader(FreePorts.ephemeralRangeFile())) {
      ephemeralLow = Integer.parseInt(in.readLine().trim().split("\\s+")[0]);
    }
    assumeTrue(ephemeralLow > 10_000, "no room below this machine's ephemeral range");
    for (int i = 0; i < 20; i++) {
      assertThat(FreePorts.next()).isBetween(10_000, ephemeralLow - 1);
    }
  }
}
