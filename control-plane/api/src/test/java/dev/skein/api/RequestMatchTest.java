package dev.skein.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Matching semantics the engine relies on. */
class RequestMatchTest {

    @Test
    void stringMatches() {
        assertThat(StringMatch.exact("a").matches("a")).isTrue();
        assertThat(StringMatch.exact("a").matches("ab")).isFalse();
        assertThat(StringMatch.prefix("/api").matches("/api/x")).isTrue();
        assertThat(StringMatch.prefix("/api").matches("/ap")).isFalse();
        assertThat(StringMatch.regex("u[0-9]+").matches("u12")).isTrue();
        assertThat(StringMatch.regex("u[0-9]+").matches("xu12")).as("full match, not find").isFalse();
        assertThat(StringMatch.exact("a").matches(null)).isFalse();
        assertThat(StringMatch.regex(".*").matches(null)).isFalse();
        assertThat(StringMatch.prefix("x").pattern()).isNull();
        assertThat(StringMatch.regex("a|b")).isEqualTo(StringMatch.regex("a|b")).hasSameHashCodeAs(StringMatch.regex("a|b"));
    }

    @Test
    void allConditionsMustHold() {
        RequestMatch m = new RequestMatch(Map.of("X-Canary", StringMatch.exact("true")), StringMatch.prefix("/api"), "get");
        assertThat(m.headers()).containsOnlyKeys("x-canary");
        assertThat(m.method()).isEqualTo("GET");
        Map<String, String> headers = Map.of("x-canary", "true");
        assertThat(m.matches("GET", "/api/items", headers::get)).isTrue();
        assertThat(m.matches("POST", "/api/items", headers::get)).isFalse();
        assertThat(m.matches("GET", "/other", headers::get)).isFalse();
        assertThat(m.matches("GET", "/api/items", h -> null)).isFalse();
        assertThat(m.matches("GET", "/api/items", null)).isFalse();
        assertThat(m.matches(null, null, null)).isFalse();
    }

    @Test
    void emptyMatchMatchesEverything() {
        RequestMatch any = new RequestMatch(null, null, null);
        assertThat(any.matches("DELETE", "/x", h -> null)).isTrue();
        HttpRule rule = new HttpRule(null, null, java.util.List.of(new WeightedDestination(new Destination(null, null, null), 100)),
                null, null, null, null);
        assertThat(rule.matches("GET", "/", h -> null)).isTrue();
    }

    @Test
    void ruleMatchesWhenAnyAlternativeHolds() {
        HttpRule rule = new HttpRule("r", java.util.List.of(new RequestMatch(null, null, "GET"), new RequestMatch(null, StringMatch.exact("/p"), null)),
                java.util.List.of(new WeightedDestination(new Destination(null, "v1", null), 100)), null, null, null, null);
        assertThat(rule.matches("POST", "/p", h -> null)).isTrue();
        assertThat(rule.matches("GET", "/q", h -> null)).isTrue();
        assertThat(rule.matches("POST", "/q", h -> null)).isFalse();
    }
}
