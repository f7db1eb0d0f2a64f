package dev.skein.it.grpc.apps;

import dev.skein.it.support.GrpcMarshallers;
import io.grpc.MethodDescriptor;

/**
 * The {@code orders.Orders} service, written by hand with a UTF-8 string marshaller (no protoc
 * step): one method of each kind, so that every kind of call can be routed.
 */
public final class OrdersApi {
  public static final String SERVICE = "orders.Orders";

  public static final MethodDescriptor.Marshaller<String> UTF8 = GrpcMarshallers.UTF8;

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
