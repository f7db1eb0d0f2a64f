package dev.skein.instrumentation.grpc;

/**
 * The names of the application's gRPC classes, assembled at run time. The agent's shade step
 * relocates {@code io.grpc} in every class it packages, string constants included: a literal
 * {@code "io.grpc.internal.ServerImpl"} here would become the agent's own relocated copy and
 * match nothing in the application.
 */
final class GrpcNames {
  // Not a compile-time constant, so javac cannot fold it into the literals below.
  private static final String IO_GRPC = String.join(".", "io", "grpc");

  static final String CHANNEL_BUILDER = IO_GRPC + ".internal.ManagedChannelImplBuilder";
  static final String SERVER = IO_GRPC + ".internal.ServerImpl";
  static final String SERVER_BUILDER = IO_GRPC + ".internal.ServerImplBuilder";
  /** The package of grpc-netty's transport classes, and the same package inside grpc-netty-shaded. */
  static final String NETTY = IO_GRPC + ".netty.";
  static final String NETTY_SHADED = IO_GRPC + ".netty.shaded." + IO_GRPC + ".netty.";
  /**
   * The floor of the declared range: channel credentials arrived in grpc-java 1.34, after the
   * subchannel and resolver APIs the helpers use. A builder that lacks the fields the channel
   * advice reads is also skipped by Byte Buddy, with a debug line.
   */
  static final String VERSION_MARKER = IO_GRPC + ".ChannelCredentials";

  private GrpcNames() {}

  /** {@code a.b.C} as a class file resource name, {@code a/b/C.class}. */
  static String resource(String className) {
    return className.replace('.', '/') + ".class";
  }
}
