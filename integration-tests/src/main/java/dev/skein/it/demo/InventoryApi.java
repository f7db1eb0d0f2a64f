package dev.skein.it.demo;

import dev.skein.it.support.GrpcMarshallers;
import io.grpc.MethodDescriptor;

/** {@code demo.Inventory/Reserve}, written by hand with a UTF-8 string marshaller (no protoc). */
public final class InventoryApi {
  public static final String SERVICE = "demo.Inventory";

  private static final MethodDescriptor.Marshaller<String> UTF8 = GrpcMarshallers.UTF8;

  public static final MethodDescriptor<String, String> RESERVE =
      MethodDescriptor.<String, String>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, "Reserve"))
          .setRequestMarshaller(UTF8)
          .setResponseMarshaller(UTF8)
          .build();

  private InventoryApi() {}
}
