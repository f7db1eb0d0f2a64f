package dev.skein.it.support;

import io.grpc.MethodDescriptor;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Marshallers for the hand-written gRPC services of the tests, the demo and the benchmark: their
 * messages are plain strings or bytes, so no protoc step is needed.
 */
public final class GrpcMarshallers {
  /** A message that is one UTF-8 string. */
  public static final MethodDescriptor.Marshaller<String> UTF8 =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(String value) {
          return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String parse(InputStream stream) {
          return new String(readAll(stream), StandardCharsets.UTF_8);
        }
      };

  /** A message passed on as its bytes (an encoded protobuf decoded elsewhere, or a payload). */
  public static final MethodDescriptor.Marshaller<byte[]> BYTES =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
          return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
          return readAll(stream);
        }
      };

  private GrpcMarshallers() {}

  private static byte[] readAll(InputStream stream) {
    try {
      return stream.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
