package dev.skein.instrumentation.grpc;

import dev.skein.bootstrap.AgentLog;
import java.io.IOException;
import java.io.InputStream;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.dynamic.loading.ClassInjector;

/**
 * Defines the {@code mesh} helper classes in the class loader of the gRPC class being
 * transformed, once per loader, before the advice that calls them can run. Their bytes are the
 * {@code .classdata} resources the build stores beside this class (see the module's pom).
 */
final class HelperInjector {
  private static final String PACKAGE = HelperInjector.class.getPackageName() + ".mesh.";
  // Supertypes first: a helper may only extend io.grpc types or helpers listed before it.
  private static final String[] HELPERS = {
    "MetadataHeaders",
    "MeshStreamTracer",
    "MeshStreamTracer$Factory",
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
    "TelemetryServerInterceptor",
    "MeshTelemetry",
    "RateLimitServerInterceptor$Refused",
    "RateLimitServerInterceptor",
  };
  private static final Set<ClassLoader> INJECTED = Collections.synchronizedSet(Collections.newSetFromMap(new WeakHashMap<>()));
  private static volatile Map<String, byte[]> bytes;

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
          injector.injectRaw(helperBytes());
          AgentLog.debug("grpc helpers injected into " + loader);
        } catch (RuntimeException | LinkageError e) {
          // The transformation fails with it, so no advice will call the missing helpers.
          INJECTED.remove(loader);
          throw e;
        }
      }
    }
  }

  private static Map<String, byte[]> helperBytes() {
    Map<String, byte[]> b = bytes;
    if (b == null) {
      b = new LinkedHashMap<>();
      for (String helper : HELPERS) {
        String name = PACKAGE + helper;
        String resource = name.replace('.', '/') + ".classdata";
        try (InputStream in = HelperInjector.class.getClassLoader().getResourceAsStream(resource)) {
          if (in == null) {
            throw new IllegalStateException("missing " + resource + " in the agent jar");
          }
          b.put(name, in.readAllBytes());
        } catch (IOException e) {
          throw new IllegalStateException("cannot read " + resource, e);
        }
      }
      bytes = b;
    }
    return b;
  }
}
