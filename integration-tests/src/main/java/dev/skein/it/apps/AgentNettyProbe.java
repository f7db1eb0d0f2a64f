package dev.skein.it.apps;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Makes one request, waits until the agent's gRPC channel runs (the OTLP exporter's, with
 * {@code otel.exporter.otlp.protocol=grpc}: its event loop thread is there, at most 30 s; with a
 * second argument, waits that many seconds instead), then prints how the agent's relocated Netty
 * is set up:
 * {@code netty <allocator> <event loop threads> <gRPC custom allocator> <application's allocator> workers=<n>},
 * where the last setting is the unrelocated name an application's own Netty reads (it must stay
 * unset) and n counts the agent's gRPC event loop threads.
 */
public final class AgentNettyProbe {
  private static final String SHADED = "dev.skein.shaded.";

  private AgentNettyProbe() {}

  public static void main(String[] args) throws Exception {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    HttpResponse<String> r =
        client.send(HttpRequest.newBuilder(URI.create(args[0])).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    System.out.println("first-response " + r.statusCode() + " " + r.body());
    if (args.length > 1) {
      Thread.sleep(Long.parseLong(args[1]) * 1000);
    } else {
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (grpcWorkers() == 0 && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      Thread.sleep(500); // a second event loop, if any, would start with the next export
    }
    // Split so that no build step could rewrite the application-side name.
    String appAllocator = System.getProperty(String.join(".", "io", "netty", "allocator", "type"));
    System.out.println(
        "netty " + System.getProperty(SHADED + "io.netty.allocator.type") + " " + System.getProperty(SHADED + "io.netty.eventLoopThreads")
            + " " + System.getProperty(SHADED + "io.grpc.netty.useCustomAllocator") + " " + appAllocator + " workers=" + grpcWorkers());
  }

  private static long grpcWorkers() {
    return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("grpc-nio-worker")).count();
  }
}
