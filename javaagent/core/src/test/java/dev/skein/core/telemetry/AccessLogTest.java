package dev.skein.core.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AccessLogTest {
  @Test
  void writesOneEscapedJsonLinePerEntryAndLeavesOutAbsentFields(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("access.log");
    AccessLog log = AccessLog.fromSetting(file.toString());
    log.log(new AccessLog.Entry("inbound", "http", "0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331", "127.0.0.1:5000", "front", null, null, null, "GET", "/a\"b\\c\n", 200, null, 1.23456));
    log.log(new AccessLog.Entry("outbound", "grpc", null, null, "front", "default/greeter", "r1", "v2", "10.0.0.1:9000", "POST", "pkg.Svc/M", -1, "java.io.IOException", 7));
    log.flush(5000);

    List<String> lines = Files.readAllLines(file);
    assertThat(lines).hasSize(2);
    assertThat(lines.get(0))
        .startsWith("{\"time\":\"")
        .contains(",\"direction\":\"inbound\",\"protocol\":\"http\",\"trace_id\":\"0af7651916cd43dd8448eb211c80319c\",\"span_id\":\"b7ad6b7169203331\"")
        .contains(",\"source\":\"127.0.0.1:5000\",\"destination\":\"front\",\"method\":\"GET\",\"path\":\"/a\\\"b\\\\c\\n\",\"status\":200,\"duration_ms\":1.235}")
        .doesNotContain("route", "subset", "endpoint", "error");
    assertThat(lines.get(1))
        .contains("\"route\":\"r1\",\"subset\":\"v2\",\"endpoint\":\"10.0.0.1:9000\"")
        .contains("\"error\":\"java.io.IOException\",\"duration_ms\":7.0}")
        .doesNotContain("trace_id", "status");
    assertThat(log.dropped()).isZero();
  }

  @Test
  void offWhenUnsetOrOff() {
    assertThat(AccessLog.fromSetting(null)).isNull();
    assertThat(AccessLog.fromSetting("off")).isNull();
  }

  @Test
  void anUnopenableFileTurnsTheLogOffRatherThanFailing(@TempDir Path dir) {
    assertThat(AccessLog.fromSetting(dir.resolve("missing/dir/access.log").toString())).isNull();
  }
}
