package dev.skein.instrumentation.okhttp;

import dev.skein.agent.spi.HelperClasses;
import java.util.List;
import net.bytebuddy.agent.builder.AgentBuilder;

/**
 * The {@code mesh} helper (the interceptor) for the class loader of the OkHttpClient being
 * transformed: it implements the application's okhttp3 types (see {@link HelperClasses}).
 */
final class HelperInjector {
  private static final HelperClasses HELPERS =
      new HelperClasses(
          "okhttp", HelperInjector.class.getClassLoader(), List.of(
              HelperInjector.class.getPackageName() + ".mesh.MeshInterceptor",
              HelperInjector.class.getPackageName() + ".mesh.MeshInterceptor$OkHttpExchange",
              HelperInjector.class.getPackageName() + ".mesh.MeshInterceptor$DiscardMirror",
              HelperInjector.class.getPackageName() + ".mesh.MeshOkHttpTls"));

  static final AgentBuilder.Transformer TRANSFORMER = HELPERS.transformer();

  private HelperInjector() {}

  static void inject(ClassLoader loader) {
    HELPERS.inject(loader);
  }
}
