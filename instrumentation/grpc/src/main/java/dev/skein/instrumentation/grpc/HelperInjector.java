package dev.skein.instrumentation.grpc;

import dev.skein.agent.spi.HelperClasses;
import net.bytebuddy.agent.builder.AgentBuilder;

/**
 * The {@code mesh} helper classes for the class loader of the gRPC class being transformed: they
 * implement the application's io.grpc types (see {@link HelperClasses}; the module's pom stores
 * them as {@code .classdata}).
 */
final class HelperInjector {
  private static final String PACKAGE = HelperInjector.class.getPackageName() + ".mesh.";
  // Supertypes first: a helper may only extend io.grpc types or helpers listed before it.
  private static final String[] HELPERS = {
    "MetadataHeaders",
    "GrpcSlots",
    "GrpcSlots$Waiter",
    "MeshStreamTracer",
    "MeshStreamTracer$Factory",
    "FaultDelays",
    "MirrorClientInterceptor$Decision",
    "MirrorClientInterceptor$MirroredCall",
    "MirrorClientInterceptor$Discard",
    "MirrorClientInterceptor",
    "MeshPicker",
    "MeshLoadBalancer",
    "MeshLoadBalancerProvider",
    "MeshNameResolver",
    "MeshNameResolverProvider",
    "MeshChannels",
    "MeshServers",
    "TracingClientListener",
    "TracingClientCall",
    "TelemetryClientInterceptor",
    "TracingServerCall",
    "TracingServerListener",
    "InboundServerInterceptor$Refused",
    "InboundServerInterceptor",
    "MeshTelemetry",
    "MeshNettyTls",
    "MeshNettyTls$Netty",
    "MeshNettyTls$FirstByteDetector",
  };
  private static final HelperClasses CLASSES =
      new HelperClasses("grpc", HelperInjector.class.getClassLoader(), java.util.Arrays.stream(HELPERS).map(h -> PACKAGE + h).toList());

  static final AgentBuilder.Transformer TRANSFORMER = CLASSES.transformer();

  private HelperInjector() {}

  static void inject(ClassLoader loader) {
    CLASSES.inject(loader);
  }
}
