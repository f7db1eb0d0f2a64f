package dev.skein.instrumentation.apachehttpclient5;

import dev.skein.agent.spi.HelperClasses;
import java.util.List;
import net.bytebuddy.agent.builder.AgentBuilder;

/**
 * The {@code mesh} helpers (the exec interceptors) for the class loader of the HttpClientBuilder or HttpAsyncClientBuilder
 * being transformed: they implement the application's Apache types (see {@link HelperClasses}).
 */
final class HelperInjector {
  private static final String MESH = HelperInjector.class.getPackageName() + ".mesh.";
  private static final HelperClasses HELPERS =
      new HelperClasses(
          "apache-httpclient-5",
          HelperInjector.class.getClassLoader(),
          List.of(
              MESH + "MeshExecHandler",
              MESH + "MeshExecHandler$Exchange",
              MESH + "MeshExecHandler$WrappedHttpException",
              MESH + "MeshAsyncExecHandler",
              MESH + "MeshAsyncExecHandler$Discarding",
              MESH + "AsyncTries",
              MESH + "AsyncTries$Outcome",
              MESH + "AsyncTries$TryFuture",
              MESH + "AsyncTries$Try",
              MESH + "MeshAsyncTls",
              MESH + "ApacheTelemetry",
              MESH + "ApacheMirror",
              MESH + "MirroredBody",
              MESH + "MirroredBody$Recording"));

  static final AgentBuilder.Transformer TRANSFORMER = HELPERS.transformer();

  private HelperInjector() {}
}
