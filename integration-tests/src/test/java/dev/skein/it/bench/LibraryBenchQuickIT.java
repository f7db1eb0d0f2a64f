package dev.skein.it.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/**
 * {@code bin/bench --libraries --quick}, run in-process: OkHttp, Apache HttpClient 5 and gRPC
 * unary each produce latency and CPU figures with and without the agent, with no failed request
 * (with the agent every request went through the mesh: {@code echo} resolves nowhere else), and
 * the report is written. The figures themselves are not asserted: the target is for the full run
 * on a quiet machine.
 */
class LibraryBenchQuickIT {
  @Test
  void everyLibraryProducesNumbersWithAndWithoutTheAgent() throws Exception {
    LibraryReport report = LibraryBench.run("--libraries", "--quick");

    assertThat(report.outcomes())
        .containsOnlyKeys("okhttp without", "okhttp with", "apache without", "apache with", "grpc without", "grpc with");
    report.outcomes().forEach((pair, problem) -> assertThat(problem).as(pair).isNull());
    assertThat(report.addedP50Micros()).containsOnlyKeys("okhttp", "apache", "grpc");
    assertThat(report.file().toString()).endsWith("integration-tests/target/bench/libraries.md");
    assertThat(Files.readString(report.file()))
        .contains("| OkHttp 4.12 (sync execute) |", "| Apache HttpClient 5 classic |", "| gRPC unary (grpc-netty-shaded) |")
        .doesNotContain("failed:**");
  }
}
