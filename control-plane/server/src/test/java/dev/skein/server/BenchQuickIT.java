package dev.skein.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skein.it.bench.BenchReport;
import dev.skein.it.bench.MeshBench;
import java.nio.file.Files;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code bin/bench --quick}, run in-process: every scenario starts and produces numbers (its HTTP
 * pair's and its gRPC pair's), the
 * propagation figure is measured for each engine count, and the report and chart are written.
 * The figures themselves are not asserted: the targets are for the full run on a quiet
 * machine. It lives here, not in integration-tests, because the full-policy scenario runs a real
 * control plane (its CA signs the workloads' certificates for STRICT mutual TLS): skein.jar.
 */
class BenchQuickIT {
    @Test
    void everyScenarioStartsAndProducesNumbers() throws Exception {
        BenchReport report = MeshBench.run("--quick");

        Map<String, String> outcomes = report.outcomes();
        assertThat(outcomes).containsOnlyKeys("baseline", "otel", "skein-telemetry", "skein-policy", "nginx-sidecars");
        outcomes.forEach(
                (scenario, problem) -> {
                    // Only the sidecar scenario may be skipped, and only on a machine without nginx.
                    if (!(scenario.equals("nginx-sidecars") && report.skipped(scenario) && !nginxInstalled())) {
                        assertThat(problem).as(scenario).isNull();
                    }
                });
        assertThat(report.propagationP99()).containsOnlyKeys(1, 10);
        assertThat(report.propagationP99().values()).allSatisfy(p99 -> assertThat(p99).isPositive().isLessThan(30_000));

        assertThat(report.markdownFile()).exists();
        assertThat(report.markdownFile().toString()).endsWith("integration-tests/target/bench/report.md");
        assertThat(Files.readString(report.markdownFile()))
                .contains("| latency p99 at 500/s (µs) |", "| gRPC unary latency p99 at 500/s (µs) |", "baseline (no agent)",
                        "etcdctl put to policy applied");
        assertThat(Files.size(report.chartFile())).isGreaterThan(1000);
    }

    private static boolean nginxInstalled() {
        for (String dir : (System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/usr/local/sbin").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(java.nio.file.Path.of(dir, "nginx"))) {
                return true;
            }
        }
        return false;
    }
}
