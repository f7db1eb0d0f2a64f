package dev.skein.api;

import static dev.skein.api.TestSupport.specProblems;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The Telemetry kind: a workload's access log, switched by policy. */
class TelemetryPolicyTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "{selector: {service: orders}}                  | spec.accessLogging: required",
        "{accessLogging: {disabled: 'no'}}              | spec.accessLogging.disabled: must be true or false, got \"no\"",
        "{accessLogging: {disabled: 1}}                 | spec.accessLogging.disabled: must be true or false, got 1",
        "{accessLogging: {mode: client}}                | spec.accessLogging.mode: must be one of CLIENT, SERVER, CLIENT_AND_SERVER, got \"client\"",
        "{accessLogging: {enabled: true}}               | spec.accessLogging.enabled: unknown field",
        "{accessLogging: [{disabled: false}]}           | spec.accessLogging: must be a mapping, got a list",
        "{selector: {service: Orders}, accessLogging: {}} | spec.selector.service: must be a DNS-1123 label (at most 63 of a-z, 0-9 and '-', starting and ending alphanumeric), got \"Orders\"",
        "{accessLogging: {}, tracing: []}               | spec.tracing: unknown field",
    })
    void rejects(String spec, String expected) {
        assertThat(specProblems("Telemetry", spec)).containsExactly("t.yaml: " + expected);
    }

    @Test
    void emptyAccessLoggingTurnsItOnForBothSidesOfTheWholeNamespace() {
        TelemetrySpec on = (TelemetrySpec) spec("{accessLogging: {}}");
        assertThat(on.selector()).isNull();
        assertThat(on.accessLogging()).isEqualTo(new AccessLogging(false, AccessLogMode.CLIENT_AND_SERVER));
        assertThat(on.accessLogging().logs(true)).isTrue();
        assertThat(on.accessLogging().logs(false)).isTrue();
    }

    @Test
    void disabledAndModeSelectWhatIsLogged() {
        TelemetrySpec off = (TelemetrySpec) spec("{selector: {service: orders}, accessLogging: {disabled: true}}");
        assertThat(off.selector()).isEqualTo(new Selector("orders"));
        assertThat(off.accessLogging().logs(true)).isFalse();
        assertThat(off.accessLogging().logs(false)).isFalse();
        AccessLogging server = ((TelemetrySpec) spec("{accessLogging: {disabled: false, mode: SERVER}}")).accessLogging();
        assertThat(server.logs(false)).isTrue();
        assertThat(server.logs(true)).isFalse();
        AccessLogging client = ((TelemetrySpec) spec("{accessLogging: {mode: CLIENT}}")).accessLogging();
        assertThat(client.logs(true)).isTrue();
        assertThat(client.logs(false)).isFalse();
    }

    @Test
    void jsonWorksToo() {
        assertThat(((TelemetrySpec) spec("{\"accessLogging\": {\"disabled\": false}}")).accessLogging().disabled()).isFalse();
    }

    private static PolicySpec spec(String spec) {
        return TestSupport.one(TestSupport.doc("Telemetry", spec)).spec();
    }
}
