package dev.skein.core.telemetry;

import io.opentelemetry.sdk.common.export.GrpcSender;
import io.opentelemetry.sdk.common.export.GrpcSenderConfig;
import io.opentelemetry.sdk.common.export.GrpcSenderProvider;

/**
 * OTLP over gRPC for the agent's exporters, on the gRPC library the agent already carries (for
 * jetcd, relocated by the shade). The SDK's own gRPC senders need OkHttp or an unshaded gRPC;
 * the JDK HttpClient sender speaks HTTP/protobuf only. Found by the SDK through
 * {@code META-INF/services}.
 */
public final class OtlpGrpcSenderProvider implements GrpcSenderProvider {
  @Override
  public GrpcSender createSender(GrpcSenderConfig config) {
    return new OtlpGrpcSender(config);
  }
}
