package dev.skein.it.apps.telemetry;

import dev.skein.it.support.GrpcMarshallers;
import io.grpc.MethodDescriptor;

/** {@code telemetry.Greeter/Greet}, written by hand with a UTF-8 string marshaller (no protoc). */
public final class GreeterApi {
  public static final String SERVICE = "telemetry.Greeter";

  static final MethodDescriptor.Marshaller<String> UTF8 = GrpcMarshallers.UTF8;

  public static final MethodDescriptor<String, String> GREET =
      MethodDescriptor.<String, String>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, "Greet"))
          .setRequestMarshaller(UTF8)
          .setResponseMarshaller(UTF8)
          .build();

  private GreeterApi() {}
}
