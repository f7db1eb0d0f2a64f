package dev.skein.it.grpc.apps;

import io.grpc.MethodDescriptor;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The {@code orders.Orders} service, written by hand with a UTF-8 string marshaller (no protoc
 * step): one method of each kind, so that every kind of call can be routed.
 */
public final class OrdersApi {
  public static final String SERVICE = "orders.Orders";

  public static final MethodDescriptor.Marshaller<String> UTF8 =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(String value) {
          return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String parse(InputStream stream) {
          try {
            return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      };

  public static final MethodDescriptor<String, String> GET = method("Get", MethodDescriptor.MethodType.UNARY);
  public static final MethodDescriptor<String, String> LIST = method("List", MethodDescriptor.MethodType.SERVER_STREAMING);
  public static final MethodDescriptor<String, String> COLLECT = method("Collect", MethodDescriptor.MethodType.CLIENT_STREAMING);
  public static final MethodDescriptor<String, String> CHAT = method("Chat", MethodDescriptor.MethodType.BIDI_STREAMING);

  private OrdersApi() {}

  private static MethodDescriptor<String, String> method(String name, MethodDescriptor.MethodType type) {
    return MethodDescriptor.<String, String>newBuilder()
        .setType(type)
        .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, name))
        .setRequestMarshaller(UTF8)
        .setResponseMarshaller(UTF8)
        .build();
  }
}
