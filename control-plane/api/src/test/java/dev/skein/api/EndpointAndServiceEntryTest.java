package dev.skein.api;

import static dev.skein.api.TestSupport.specProblems;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** ServiceEntry specs and the endpoint JSON agents register. */
class EndpointAndServiceEntryTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "{endpoints: [{address: 127.0.0.1, port: 1}]}         | spec.host: required",
        "{host: orders}                                        | spec.endpoints: required",
        "{host: orders, endpoints: []}                         | spec.endpoints: must have at least one endpoint",
        "{host: orders, endpoints: [{port: 1}]}                | spec.endpoints[0].address: required",
        "{host: orders, endpoints: [{address: 127.0.0.1}]}     | spec.endpoints[0].port: required",
        "{host: orders, endpoints: [{address: 127.0.0.1, port: 0}]}     | spec.endpoints[0].port: must be 1..65535, got 0",
        "{host: orders, endpoints: [{address: 127.0.0.1, port: 70000}]} | spec.endpoints[0].port: must be 1..65535, got 70000",
        "{host: orders, endpoints: [{address: 'a b', port: 1}]}         | spec.endpoints[0].address: must be an IP address or host name, got \"a b\"",
        "{host: orders, endpoints: [{address: 127.0.0.1, port: 1, protocol: tcp}]} | spec.endpoints[0].protocol: must be one of http, grpc, got \"tcp\"",
        "{host: orders, endpoints: [{address: 127.0.0.1, port: 1, weight: 1}]}     | spec.endpoints[0].weight: unknown field",
    })
    void serviceEntryRejects(String spec, String expected) {
        assertThat(specProblems("ServiceEntry", spec)).containsExactly("t.yaml: " + expected);
    }

    @Test
    void protocolDefaultsToHttp() {
        ServiceEntrySpec s = TestSupport.one(TestSupport.doc("ServiceEntry", "{host: orders, endpoints: [{address: '::1', port: 80}]}"))
                .spec(ServiceEntrySpec.class);
        assertThat(s.endpoints()).containsExactly(new Endpoint("::1", 80, "http", Map.of()));
    }

    @Test
    void jsonRoundTrip() {
        Endpoint e = new Endpoint("127.0.0.1", 8081, "http", Map.of("zone", "a", "version", "v1"));
        assertThat(e.toJson()).isEqualTo(
                "{\"address\":\"127.0.0.1\",\"port\":8081,\"protocol\":\"http\",\"labels\":{\"version\":\"v1\",\"zone\":\"a\"}}");
        assertThat(Endpoint.fromJson(e.toJson())).isEqualTo(e);
        Endpoint quoted = new Endpoint("h", 1, "grpc", Map.of("k", "a\"b\\c\n"));
        assertThat(quoted.toJson()).contains("\"k\":\"a\\\"b\\\\c\\n\"");
        // Such a label value is escaped correctly but not a valid label, so reading it back is refused.
        assertThatThrownBy(() -> Endpoint.fromJson(quoted.toJson())).isInstanceOf(PolicyException.class);
    }

    @Test
    void fromJsonIgnoresFieldsFromNewerAgentsButChecksKnownOnes() {
        assertThat(Endpoint.fromJson("{\"address\":\"10.0.0.1\",\"port\":80,\"zone\":\"x\"}"))
                .isEqualTo(new Endpoint("10.0.0.1", 80, "http", Map.of()));
        assertThatThrownBy(() -> Endpoint.fromJson("{\"address\":\"10.0.0.1\",\"port\":\"80\"}"))
                .isInstanceOf(PolicyException.class)
                .hasMessage("endpoint: port: must be an integer, got \"80\"");
        assertThatThrownBy(() -> Endpoint.fromJson("{\"port\":99999,\"protocol\":\"tcp\"}"))
                .isInstanceOfSatisfying(PolicyException.class, ex -> assertThat(ex.problems()).extracting(Problem::toString)
                        .containsExactly("endpoint: address: required", "endpoint: port: must be 1..65535, got 99999",
                                "endpoint: protocol: must be one of http, grpc, got \"tcp\""));
        assertThatThrownBy(() -> Endpoint.fromJson("{")).isInstanceOf(PolicyException.class).hasMessageStartingWith("endpoint: bad YAML: ");
        assertThatThrownBy(() -> Endpoint.fromJson("")).isInstanceOf(PolicyException.class);
        assertThatThrownBy(() -> Endpoint.fromJson(null)).isInstanceOf(PolicyException.class);
        assertThatThrownBy(() -> Endpoint.fromJson("[1]")).isInstanceOf(PolicyException.class)
                .hasMessage("endpoint: must be a mapping, got a list");
    }
}
