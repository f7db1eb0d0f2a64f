package dev.skein.core.telemetry;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.export.GrpcResponse;
import io.opentelemetry.sdk.common.export.GrpcSender;
import io.opentelemetry.sdk.common.export.GrpcSenderConfig;
import io.opentelemetry.sdk.common.export.GrpcStatusCode;
import io.opentelemetry.sdk.common.export.MessageWriter;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One OTLP export service ({@code TraceService/Export} or {@code MetricsService/Export}) over a
 * gRPC channel: one unary call per batch, bounded by the exporter's timeout. Never retries: a
 * failed batch is dropped (and counted by the SDK), the application is not involved.
 */
final class OtlpGrpcSender implements GrpcSender {
  private final ManagedChannel channel;
  private final MethodDescriptor<MessageWriter, byte[]> method;
  private final GrpcSenderConfig config;

  OtlpGrpcSender(GrpcSenderConfig config) {
    this.config = config;
    URI endpoint = config.getEndpoint();
    boolean tls = "https".equalsIgnoreCase(endpoint.getScheme());
    int port = endpoint.getPort() > 0 ? endpoint.getPort() : tls ? 443 : 4317;
    RelocatedNetty.size();
    NettyChannelBuilder builder = NettyChannelBuilder.forAddress(endpoint.getHost(), port);
    if (!tls) {
      builder.usePlaintext();
    } else if (config.getTrustManager() != null) {
      try {
        builder.sslContext(GrpcSslContexts.forClient().trustManager(config.getTrustManager()).build());
      } catch (javax.net.ssl.SSLException e) {
        throw new IllegalArgumentException("OTLP gRPC endpoint " + endpoint + ": " + e.getMessage(), e);
      }
    }
    if (config.getConnectTimeout() != null) {
      builder.withOption(io.netty.channel.ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, config.getConnectTimeout().toMillis()));
    }
    this.channel = builder.build();
    this.method =
        MethodDescriptor.<MessageWriter, byte[]>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName(config.getFullMethodName())
            .setRequestMarshaller(new WriterMarshaller())
            .setResponseMarshaller(new BytesMarshaller())
            .build();
  }

  @Override
  public void send(MessageWriter request, Consumer<GrpcResponse> onResponse, Consumer<Throwable> onError) {
    CallOptions options = CallOptions.DEFAULT;
    if (config.getTimeout() != null && !config.getTimeout().isZero()) {
      options = options.withDeadlineAfter(config.getTimeout().toNanos(), TimeUnit.NANOSECONDS);
    }
    if (config.getCompressor() != null && "gzip".equals(config.getCompressor().getEncoding())) {
      options = options.withCompression("gzip");
    }
    Metadata headers = new Metadata();
    Map<String, List<String>> extra = config.getHeadersSupplier() == null ? null : config.getHeadersSupplier().get();
    if (extra != null) {
      extra.forEach((name, values) -> values.forEach(v -> headers.put(Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER), v)));
    }
    ClientCall<MessageWriter, byte[]> call = channel.newCall(method, options);
    try {
      call.start(new ResponseListener(onResponse), headers);
      call.request(1);
      call.sendMessage(request);
      call.halfClose();
    } catch (RuntimeException e) {
      call.cancel("export failed", e);
      onError.accept(e);
    }
  }

  @Override
  public CompletableResultCode shutdown() {
    channel.shutdownNow();
    return CompletableResultCode.ofSuccess();
  }

  private static final class ResponseListener extends ClientCall.Listener<byte[]> {
    private final Consumer<GrpcResponse> onResponse;
    private volatile byte[] message = new byte[0];

    ResponseListener(Consumer<GrpcResponse> onResponse) {
      this.onResponse = onResponse;
    }

    @Override
    public void onMessage(byte[] m) {
      message = m;
    }

    @Override
    public void onClose(Status status, Metadata trailers) {
      GrpcStatusCode code = GrpcStatusCode.fromValue(status.getCode().value());
      String description = status.getDescription() != null ? status.getDescription() : status.getCause() != null ? String.valueOf(status.getCause()) : "";
      byte[] body = message;
      onResponse.accept(
          new GrpcResponse() {
            @Override
            public GrpcStatusCode getStatusCode() {
              return code;
            }

            @Override
            public String getStatusDescription() {
              return description;
            }

            @Override
            public byte[] getResponseMessage() {
              return body;
            }
          });
    }
  }

  /** Serializes the SDK's message writer (the OTLP request, already encoded by the SDK). */
  private static final class WriterMarshaller implements MethodDescriptor.Marshaller<MessageWriter> {
    @Override
    public InputStream stream(MessageWriter value) {
      ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(32, value.getContentLength()));
      try {
        value.writeMessage(out);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return new ByteArrayInputStream(out.toByteArray());
    }

    @Override
    public MessageWriter parse(InputStream stream) {
      throw new UnsupportedOperationException("requests are only sent");
    }
  }

  private static final class BytesMarshaller implements MethodDescriptor.Marshaller<byte[]> {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
