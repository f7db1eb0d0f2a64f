package dev.skein.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Duration text. */
class DurationsTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource({"250ms,PT0.25S", "2s,PT2S", "1.5s,PT1.5S", "1m,PT1M", "1h,PT1H", "1m30s,PT1M30S", "100us,PT0.0001S",
            "100µs,PT0.0001S", "7ns,PT0.000000007S", "0s,PT0S", "1h2m3s4ms,PT1H2M3.004S", ".5s,PT0.5S", "2.s,PT2S"})
    void parses(String text, String iso) {
        assertThat(Durations.parse(text)).isEqualTo(Duration.parse(iso));
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {"", "2", "2x", "s", "-1s", "1 s", "1S", "1.2.3s", "1s ", "9999999999999h"})
    void rejects(String text) {
        assertThatThrownBy(() -> Durations.parse(text)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rejectsNull() {
        assertThatThrownBy(() -> Durations.parse(null)).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"PT0S,0s", "PT0.25S,250ms", "PT1M30S,1m30s", "PT2H,2h", "PT1.5S,1s500ms", "PT0.000001001S,1us1ns", "PT-2S,-2s"})
    void formatsReadably(String iso, String text) {
        assertThat(Durations.format(Duration.parse(iso))).isEqualTo(text);
    }

    @Test
    void formatRoundTrips() {
        Duration d = Duration.ofHours(30).plusMinutes(59).plusSeconds(1).plusNanos(123_456_789);
        assertThat(Durations.parse(Durations.format(d))).isEqualTo(d);
    }
}
