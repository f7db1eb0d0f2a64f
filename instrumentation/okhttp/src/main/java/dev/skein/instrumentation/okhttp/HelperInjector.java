package dev.skein.instrumentation.okhttp;

import dev.skein.bootstrap.AgentLog;
import java.io.IOException;
import java.io.InputStream;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.dynamic.loading.ClassInjector;

/**
 * Defines the {@code mesh} helper (the interceptor) in the class loader of the OkHttpClient being
 * transformed, once per loader, before the advice that calls it can run. It implements the
 * application's okhttp3 types, so it is stored as a {@code .classdata} resource: the engine's
 * loader never defines it and the shade step leaves it alone.
 */
final class HelperInjector {
  private static final String HELPER = HelperInjector.class.getPackageName() + ".mesh.MeshInterceptor";
  private static final Set<ClassLoader> INJECTED = Collections.synchronizedSet(Collections.newSetFromMap(new WeakHashMap<>()));

  static final AgentBuilder.Transformer TRANSFORMER =
      (builder, type, loader, module, domain) -> {
        inject(loader);
        return builder;
      };

  private HelperInjector() {}

  static void inject(ClassLoader loader) {
    if (loader == null || INJECTED.contains(loader)) {
      return;
    }
    synchronized (INJECTED) {
      if (INJECTED.add(loader)) {
        try {
          ClassInjector injector =
              ClassInjector.UsingReflection.isAvailable() ? new ClassInjector.UsingReflection(loader) : new ClassInjector.UsingUnsafe(loader);
          injector.injectRaw(Map.of(HELPER, bytes()));
          AgentLog.debug("okhttp helper injected into " + loader);
        } catch (RuntimeException | LinkageError e) {
          INJECTED.remove(loader);
          throw e;
        }
      }
    }
  }

  private static byte[] bytes() {
    String resource = HELPER.replace('.', '/') + ".classdata";
    try (InputStream in = HelperInjector.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("missing " + resource + " in the agent jar");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + resource, e);
    }
  }
}
