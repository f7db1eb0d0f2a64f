package dev.skein.it.bench;

import dev.skein.it.support.MeshJvm;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The OpenTelemetry Java agent on both client and server, with its default instrumentation
 * (HTTP client and server tracing, every request sampled) exporting traces and metrics over
 * OTLP/HTTP to a loopback receiver.
 */
final class OtelScenario extends Scenario {
  private final Path agentJar;
  private final OtlpReceiver receiver;
  private int port;
  private int grpcPort;

  OtelScenario(Path agentJar, OtlpReceiver receiver) {
    super(
        "otel",
        "OpenTelemetry Java agent 2.33.1",
        "Client and server under the OpenTelemetry agent (defaults: HTTP and gRPC tracing, parent-based always-on sampling),"
            + " traces and metrics over OTLP/HTTP to a loopback receiver; metrics every 10 s, logs off.");
    this.agentJar = agentJar;
    this.receiver = receiver;
  }

  @Override
  String skipReason() {
    return Files.isRegularFile(agentJar) ? null : "the OpenTelemetry agent is missing at " + agentJar + " (mvn -pl integration-tests generate-resources downloads it)";
  }

  @Override
  void start() throws Exception {
    MeshJvm server = launchServer(otel(HarnessClasses.applicationJvm("otel-server"), "bench-server"));
    MeshJvm grpcServer = launchGrpcServer(otel(HarnessClasses.applicationJvm("otel-grpc-server"), "bench-grpc-server"));
    port = listeningPort(server);
    grpcPort = listeningPort(grpcServer);
  }

  @Override
  String grpcTarget() {
    return "127.0.0.1:" + grpcPort;
  }

  @Override
  MeshJvm.Builder clientJvm(String name) {
    return otel(HarnessClasses.applicationJvm("otel-" + name), "bench-client");
  }

  private MeshJvm.Builder otel(MeshJvm.Builder builder, String service) {
    return underOtelAgent(builder, agentJar, service, receiver.endpoint());
  }

  /**
   * A JVM under the OpenTelemetry Java agent with its defaults (HTTP tracing, every request
   * sampled), traces and metrics over OTLP/HTTP to {@code endpoint}, metrics every 10 s, logs off:
   * the same in every benchmark.
   */
  static MeshJvm.Builder underOtelAgent(MeshJvm.Builder builder, Path agentJar, String service, String endpoint) {
    return builder
        .withoutAgent()
        .jvmArg("-javaagent:" + agentJar)
        .env("OTEL_SERVICE_NAME", service)
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint)
        .env("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
        .env("OTEL_TRACES_EXPORTER", "otlp")
        .env("OTEL_METRICS_EXPORTER", "otlp")
        .env("OTEL_LOGS_EXPORTER", "none")
        .env("OTEL_METRIC_EXPORT_INTERVAL", "10000");
  }

  @Override
  String url() {
    return "http://127.0.0.1:" + port + "/bench";
  }
}
