package dev.skein.core.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skein.core.state.StoreFixture;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class AgentStatusTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void reportsTheRevisionAndEveryRejectedPolicyWithItsProblems() throws Exception {
    StoreFixture fixture = new StoreFixture();
    fixture.put(StoreFixture.DP_KEY, StoreFixture.SUBSETS);
    fixture.put(StoreFixture.ROUTE_KEY, StoreFixture.split(140, 10));
    AgentStatus status = new AgentStatus("default", "orders");
    status.adminPort(9901);
    status.certificateExpiry(Instant.parse("2026-12-01T00:00:00Z"));

    JsonNode doc = JSON.readTree(status.json(fixture.router.snapshot()));

    assertThat(doc.get("agent").asText()).isEqualTo("default/orders/" + status.instance());
    assertThat(doc.get("pid").asLong()).isEqualTo(ProcessHandle.current().pid());
    assertThat(doc.get("revision").asLong()).isEqualTo(2);
    assertThat(doc.get("origin").asText()).isEqualTo("etcd");
    assertThat(doc.get("policies").asInt()).isEqualTo(1);
    JsonNode problems = doc.get("rejected").get(StoreFixture.ROUTE_KEY);
    assertThat(problems.isArray()).isTrue();
    assertThat(problems.get(0).asText()).contains("weight").contains("140");
    assertThat(doc.get("certificateExpiry").asText()).isEqualTo("2026-12-01T00:00:00Z");
    assertThat(doc.get("adminPort").asInt()).isEqualTo(9901);
    assertThat(Instant.parse(doc.get("updated").asText())).isBeforeOrEqualTo(Instant.now());
  }

  @Test
  void beforeTheFirstSnapshotReportsNothingAppliedAndNullsWhatIsUnknown() throws Exception {
    JsonNode doc = JSON.readTree(new AgentStatus("shop", "cart").json(null));

    assertThat(doc.get("revision").asLong()).isZero();
    assertThat(doc.get("origin").isNull()).isTrue();
    assertThat(doc.get("certificateExpiry").isNull()).isTrue();
    assertThat(doc.get("rejected").size()).isZero();
    assertThat(doc.has("adminPort")).isFalse();
  }
}
