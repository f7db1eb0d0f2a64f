package dev.skein.agent.spi;

import dev.skein.bootstrap.AgentLog;
import java.io.IOException;
import java.io.InputStream;
import java.security.ProtectionDomain;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.DynamicType;
import net.bytebuddy.dynamic.loading.ClassInjector;
import net.bytebuddy.utility.JavaModule;

/**
 * Defines an instrumentation module's helper classes — classes that implement a library's own
 * types, such as a gRPC load balancer or an OkHttp interceptor — in the class loader of the
 * library class being transformed, once per loader, before the advice that calls them can run.
 *
 * <p>The helpers are stored in the agent jar as {@code .classdata} resources beside the module's
 * classes: the engine's loader never defines them, and the shade step, which relocates the
 * agent's own copies of libraries such as {@code io.grpc}, leaves their references to the
 * application's library alone.
 */
public final class HelperClasses {
  private final String library;
  private final ClassLoader resources;
  private final List<String> names;
  private final Set<ClassLoader> injected = Collections.synchronizedSet(Collections.newSetFromMap(new WeakHashMap<>()));
  private volatile Map<String, byte[]> bytes;

  /**
   * @param library the library's name, for the log
   * @param resources the loader holding the {@code .classdata} resources (the module's own)
   * @param names binary names, supertypes first: a helper may only extend library types or
   *     helpers listed before it
   */
  public HelperClasses(String library, ClassLoader resources, List<String> names) {
    this.library = library;
    this.resources = resources;
    this.names = List.copyOf(names);
  }

  /** A transformer step that injects the helpers into the transformed class's loader. */
  public AgentBuilder.Transformer transformer() {
    return new Injection();
  }

  /**
   * The step {@link #transformer()} returns: its effect is on the class loader, not in the
   * transformed bytes, so a transformation that includes it cannot be replayed from cached bytes.
   */
  public final class Injection implements AgentBuilder.Transformer {
    private Injection() {}

    @Override
    public DynamicType.Builder<?> transform(
        DynamicType.Builder<?> builder, TypeDescription type, ClassLoader loader, JavaModule module, ProtectionDomain domain) {
      inject(loader);
      return builder;
    }
  }

  /** Injects the helpers into {@code loader} unless they are there already. */
  public void inject(ClassLoader loader) {
    if (loader == null || injected.contains(loader)) {
      return;
    }
    synchronized (injected) {
      if (injected.add(loader)) {
        try {
          ClassInjector injector =
              ClassInjector.UsingReflection.isAvailable() ? new ClassInjector.UsingReflection(loader) : new ClassInjector.UsingUnsafe(loader);
          injector.injectRaw(bytes());
          AgentLog.debug(library + " helpers injected into " + loader);
        } catch (RuntimeException | LinkageError e) {
          // The transformation fails with it, so no advice will call the missing helpers.
          injected.remove(loader);
          throw e;
        }
      }
    }
  }

  private Map<String, byte[]> bytes() {
    Map<String, byte[]> b = bytes;
    if (b == null) {
      b = new LinkedHashMap<>();
      for (String name : names) {
        String resource = name.replace('.', '/') + ".classdata";
        try (InputStream in = resources.getResourceAsStream(resource)) {
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
