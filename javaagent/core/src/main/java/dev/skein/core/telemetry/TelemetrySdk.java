package dev.skein.core.telemetry;

import io.opentelemetry.api.metrics.MeterProvider;
import io.opentelemetry.exporter.prometheus.PrometheusMetricReader;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import java.net.URI;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Builds the agent's own OpenTelemetry SDK from the standard {@code OTEL_*} variables and
 * {@code otel.*} properties (autoconfigure), with Skein's defaults below them: the service name
 * is {@code skein.service}, logs are not exported. The SDK is never made global, so the
 * application's own OpenTelemetry (if any) is untouched.
 */
final class TelemetrySdk {
  final OpenTelemetrySdk sdk;
  final PrometheusMetricReader prometheus;
  /** {@code host:port} of every OTLP endpoint: the exporter's own requests are not observed. */
  final Set<String> exportTargets;

  private TelemetrySdk(OpenTelemetrySdk sdk, PrometheusMetricReader prometheus, Set<String> exportTargets) {
    this.sdk = sdk;
    this.prometheus = prometheus;
    this.exportTargets = exportTargets;
  }

  static TelemetrySdk create(String serviceName, boolean prometheusEnabled) {
    Map<String, String> defaults = new HashMap<>();
    if (serviceName != null) {
      defaults.put("otel.service.name", serviceName);
    }
    defaults.put("otel.logs.exporter", "none");
    // The OTLP default of the specification (the SDK's own default is grpc). grpc is served by
    // OtlpGrpcSender on the agent's relocated gRPC, http/protobuf by the JDK HttpClient sender.
    defaults.put("otel.exporter.otlp.protocol", "http/protobuf");
    // The SDK counts what its batch processor drops (queue full) and what its exporters fail to
    // send as otel.sdk.* metrics (semantic-convention names), here and on the admin /metrics.
    defaults.put("otel.experimental.sdk.telemetry.version", "latest");
    // Without a collector configured, export nothing rather than fail against localhost every
    // few seconds; metrics stay on the admin /metrics. OTEL_TRACES_EXPORTER=otlp still exports.
    if (!collectorConfigured()) {
      defaults.put("otel.traces.exporter", "none");
      defaults.put("otel.metrics.exporter", "none");
    }
    PrometheusMetricReader prometheus = prometheusEnabled ? PrometheusMetricReader.builder().setOtelScopeLabelsEnabled(false).build() : null;
    Set<String> targets = new HashSet<>();
    AutoConfiguredOpenTelemetrySdk auto =
        AutoConfiguredOpenTelemetrySdk.builder()
            // The engine flushes on exit itself, with a bound: the SDK's own hook waits for an
            // unreachable collector for its full export timeout and holds the JVM's exit.
            .disableShutdownHook()
            .addPropertiesSupplier(() -> defaults)
            .addPropertiesCustomizer(
                config -> {
                  targets.addAll(exportTargets(config));
                  return Map.of();
                })
            .addMeterProviderCustomizer(
                (builder, config) -> prometheus == null ? builder : builder.registerMetricReader(prometheus))
            // Not the tracer's own per-span metrics (otel.sdk.span.started, otel.sdk.span.live):
            // three metric recordings on every span, a third of the server span's cost in a
            // profile. The batch processor's and the exporters' (drops, failed exports) stay.
            .addTracerProviderCustomizer((builder, config) -> builder.setMeterProvider(MeterProvider::noop))
            .build();
    return new TelemetrySdk(auto.getOpenTelemetrySdk(), prometheus, Set.copyOf(targets));
  }

  /** Flushes and stops the exporters, waiting at most {@code timeout}. */
  void shutdown(java.time.Duration timeout) {
    sdk.shutdown().join(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  private static boolean collectorConfigured() {
    for (String key : new String[] {"otel.exporter.otlp.endpoint", "otel.exporter.otlp.traces.endpoint", "otel.exporter.otlp.metrics.endpoint"}) {
      if (dev.skein.bootstrap.Settings.get(key) != null) {
        return true;
      }
    }
    return false;
  }

  private static Set<String> exportTargets(ConfigProperties config) {
    Set<String> targets = new HashSet<>();
    String grpc = "grpc".equals(config.getString("otel.exporter.otlp.protocol", "http/protobuf")) ? "4317" : "4318";
    for (String key :
        new String[] {"otel.exporter.otlp.endpoint", "otel.exporter.otlp.traces.endpoint", "otel.exporter.otlp.metrics.endpoint"}) {
      String value = config.getString(key, key.equals("otel.exporter.otlp.endpoint") ? "http://localhost:" + grpc : null);
      if (value == null) {
        continue;
      }
      try {
        URI uri = URI.create(value);
        int port = uri.getPort() > 0 ? uri.getPort() : "https".equals(uri.getScheme()) ? 443 : 80;
        targets.add(uri.getHost() + ":" + port);
        if ("localhost".equals(uri.getHost())) {
          targets.add("127.0.0.1:" + port);
        }
      } catch (RuntimeException ignored) {
        // the SDK reports a bad endpoint itself
      }
    }
    return targets;
  }
}
