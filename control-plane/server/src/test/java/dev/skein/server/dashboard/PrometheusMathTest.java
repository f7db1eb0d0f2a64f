package dev.skein.server.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The dashboard's reading of the agents' Prometheus text and its percentiles from buckets. */
class PrometheusMathTest {
    @Test
    void parsesSamplesWithEscapedLabelsAndSkipsComments() {
        List<PromSamples.Sample> samples = PromSamples.parse("""
                # HELP skein_requests_total Requests sent through the mesh.
                # TYPE skein_requests_total counter
                skein_requests_total{destination_service="default/orders",destination_subset="v2",response_code="200",source_service="fr\\"ont"} 42.0
                http_client_request_duration_seconds_bucket{server_address="orders",le="+Inf"} 7 1700000000000
                not a sample line {
                """);
        assertThat(samples).hasSize(2);
        assertThat(samples.get(0).label("source_service")).isEqualTo("fr\"ont");
        assertThat(samples.get(0).label("destination_subset")).isEqualTo("v2");
        assertThat(samples.get(0).value()).isEqualTo(42.0);
        assertThat(samples.get(1).label("le")).isEqualTo("+Inf");
        assertThat(samples.get(1).value()).isEqualTo(7.0);
    }

    @Test
    void quantilesInterpolateWithinTheirBucketAsPrometheusDoes() {
        Histogram h = new Histogram();
        h.add(0.005, 50);
        h.add(0.01, 90);
        h.add(0.1, 100);
        h.add(Double.POSITIVE_INFINITY, 100);
        assertThat(h.quantile(0.5)).isCloseTo(0.005, within(1e-9));
        assertThat(h.quantile(0.25)).isCloseTo(0.0025, within(1e-9));
        assertThat(h.quantile(0.99)).isCloseTo(0.01 + 0.09 * 0.9, within(1e-9));
        assertThat(new Histogram().quantile(0.5)).isNaN();
    }

    @Test
    void anHttp5xxOrANonOkGrpcStatusOrNoAnswerIsAFailure() {
        assertThat(EdgeStats.isFailure("200")).isFalse();
        assertThat(EdgeStats.isFailure("404")).isFalse();
        assertThat(EdgeStats.isFailure("503")).isTrue();
        assertThat(EdgeStats.isFailure("0")).isFalse();
        assertThat(EdgeStats.isFailure("14")).isTrue();
        assertThat(EdgeStats.isFailure("java.net.ConnectException")).isTrue();
    }
}
