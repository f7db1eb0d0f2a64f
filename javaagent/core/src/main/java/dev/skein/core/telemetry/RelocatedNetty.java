package dev.skein.core.telemetry;

/**
 * Sizes the agent's own (relocated) Netty, which only carries the OTLP exporter's gRPC channel
 * (with {@code otel.exporter.otlp.protocol=grpc}): a batch every few seconds. Netty's defaults are for a server: pooled allocators with an arena per
 * core pair (gRPC builds one more of its own), each holding chunks of megabytes, and two event
 * loop threads per core. Here one event loop and unpooled buffers are plenty.
 *
 * <p>Netty and gRPC read these settings from system properties. The agent jar's shade plugin
 * relocates the {@code io.netty.} and {@code io.grpc.} strings, in Netty's code and in this
 * class alike, so inside the agent the names below become {@code dev.skein.shaded.io.netty...}:
 * they reach the agent's copy only and never an application's own Netty or gRPC. A value the
 * user set (under the relocated name) wins. Call before the first channel is built.
 */
final class RelocatedNetty {
  static final String ALLOCATOR_TYPE = "io.netty.allocator.type";
  static final String EVENT_LOOP_THREADS = "io.netty.eventLoopThreads";
  static final String GRPC_CUSTOM_ALLOCATOR = "io.grpc.netty.useCustomAllocator";

  private RelocatedNetty() {}

  static void size() {
    setIfAbsent(ALLOCATOR_TYPE, "unpooled");
    setIfAbsent(EVENT_LOOP_THREADS, "1");
    // gRPC's own pooled allocator otherwise: arenas of 2 MiB chunks beside Netty's default one.
    setIfAbsent(GRPC_CUSTOM_ALLOCATOR, "false");
  }

  private static void setIfAbsent(String key, String value) {
    if (System.getProperty(key) == null) {
      System.setProperty(key, value);
    }
  }
}
