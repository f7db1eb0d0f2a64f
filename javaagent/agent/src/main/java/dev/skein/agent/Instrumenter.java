package dev.skein.agent;

import dev.skein.agent.spi.InstrumentationModule;
import dev.skein.agent.spi.Transformations;
import dev.skein.bootstrap.AgentLog;
import dev.skein.bootstrap.Bridge;
import dev.skein.bootstrap.Settings;
import java.io.File;
import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.IllegalClassFormatException;
import java.lang.instrument.Instrumentation;
import java.nio.file.Path;
import java.security.ProtectionDomain;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Installs the instrumentation in two steps, to keep Byte Buddy off the application's start:
 *
 * <ol>
 *   <li>on the premain thread, a {@link Gate}: a plain transformer that compares each loading
 *       class's name with the names the modules declare (one hash lookup) and ignores the rest;
 *   <li>on a daemon thread, the modules' {@link Transformations} (every module found through
 *       {@link ServiceLoader}) behind one {@link AdviceTransformer}, then retransformation of any
 *       named class already loaded.
 * </ol>
 *
 * A named class that loads before Byte Buddy is ready waits for it, so none slips through. With
 * {@code skein.cache.dir}, the gate first looks in the {@link TransformCache}, and a restart that
 * finds every class it needs there never starts Byte Buddy.
 */
final class Instrumenter {
  // How long a named class's load waits for the engine to be built (it takes tens of
  // milliseconds); past this it is instrumented anyway, its advice passing calls through until
  // the engine is in.
  private static final long ENGINE_WAIT_SECONDS = 10;

  private final Instrumentation inst;
  private final CompletableFuture<?> engineInstalled;
  private final Thread engineStart;
  private final Set<String> exactNames = new HashSet<>();
  private final List<String> packagePrefixes = new ArrayList<>();
  private final Path cacheDir;
  private final File agentJar;
  // Opened on the initializing thread (hashing the class path loads the JDK's digest classes,
  // time the premain thread need not spend); null when the cache is off.
  private final CompletableFuture<TransformCache> cacheOpened = new CompletableFuture<>();
  private volatile AdviceTransformer delegate;
  private List<InstrumentationModule> modules = List.of();

  private Instrumenter(
      Instrumentation inst, List<String> typeNames, CompletableFuture<?> engineInstalled, Thread engineStart, Path cacheDir, File agentJar) {
    this.inst = inst;
    this.cacheDir = cacheDir;
    this.agentJar = agentJar;
    this.engineInstalled = engineInstalled;
    this.engineStart = engineStart;
    for (String name : typeNames) {
      String internal = name.replace('.', '/');
      if (name.endsWith(".")) {
        packagePrefixes.add(internal);
      } else {
        exactNames.add(internal);
      }
    }
  }

  /**
   * Premain: registers the gate from the build-time index; loads no module and no Byte Buddy.
   * The gate instruments a class once the engine is behind the bridge ({@code engineInstalled}
   * completed with it; with null, never), so no advice runs before it; {@code engineStart}, the thread that builds the engine,
   * never waits for itself.
   */
  static Instrumenter register(Instrumentation inst, CompletableFuture<?> engineInstalled, Thread engineStart, File agentJar)
      throws java.io.IOException {
    ClassLoader own = Instrumenter.class.getClassLoader();
    // Before any class is instrumented (from the cache, it can be at once): the JDK modules the
    // advice lives in must read the bridge's module.
    for (TypeIndex.JdkAccess access : TypeIndex.readJdkAccess(own)) {
      if (enabled(access.instrumentation())) {
        grant(inst, access);
      }
    }
    String cacheDir = Settings.get("skein.cache.dir");
    Instrumenter instrumenter =
        new Instrumenter(
            inst, TypeIndex.read(own), engineInstalled, engineStart, cacheDir == null || cacheDir.isBlank() ? null : Path.of(cacheDir), agentJar);
    inst.addTransformer(instrumenter.new Gate(), true);
    return instrumenter;
  }

  /**
   * Builds the Byte Buddy transformer and retransforms named classes that loaded before it. When
   * an earlier run of the same application left every transformation it needed in the cache,
   * Byte Buddy is not started here: a class not cached yet starts it when it loads.
   */
  void initialize() {
    long started = System.nanoTime();
    TransformCache cache = null;
    try {
      cache = cacheDir == null ? null : TransformCache.open(cacheDir, agentJar);
    } finally {
      cacheOpened.complete(cache);
    }
    boolean fromCache = cache != null && cache.replaysEverything();
    if (!fromCache) {
      transformer();
    }
    List<Class<?>> loaded = new ArrayList<>();
    for (Class<?> c : inst.getAllLoadedClasses()) {
      if (inst.isModifiableClass(c) && named(c.getName().replace('.', '/'))) {
        loaded.add(c);
      }
    }
    for (Class<?> c : loaded) {
      try {
        inst.retransformClasses(c);
      } catch (Throwable t) {
        AgentLog.debug("could not retransform " + c.getName() + ": " + t);
      }
    }
    AgentLog.debug(
        "instrumentation ready ("
            + (fromCache ? "from the transformation cache " + cache.directory() : modules.stream().map(InstrumentationModule::name).toList())
            + ") in " + (System.nanoTime() - started) / 1_000_000 + " ms, " + loaded.size() + " classes retransformed");
  }

  private boolean named(String internalName) {
    if (exactNames.contains(internalName)) {
      return true;
    }
    for (int i = 0; i < packagePrefixes.size(); i++) {
      if (internalName.startsWith(packagePrefixes.get(i))) {
        return true;
      }
    }
    return false;
  }

  private AdviceTransformer transformer() {
    AdviceTransformer t = delegate;
    if (t == null) {
      synchronized (this) {
        t = delegate;
        if (t == null) {
          t = build();
          delegate = t;
        }
      }
    }
    return t;
  }

  private AdviceTransformer build() {
    List<InstrumentationModule> found = new ArrayList<>();
    for (InstrumentationModule module : ServiceLoader.load(InstrumentationModule.class, Instrumenter.class.getClassLoader())) {
      if (enabled(module.name())) {
        found.add(module);
      }
    }
    modules = found;
    Transformations transformations = new Transformations();
    for (InstrumentationModule module : modules) {
      transformations = module.extend(transformations);
    }
    return new AdviceTransformer(transformations.rules());
  }

  private static boolean enabled(String instrumentation) {
    return !"false".equalsIgnoreCase(Settings.get("skein.instrumentation." + instrumentation + ".enabled"));
  }

  /**
   * Lets a named JDK module read the bootstrap loader's unnamed module, where the bridge is, or
   * opens one of its packages to it.
   */
  private static void grant(Instrumentation inst, TypeIndex.JdkAccess access) {
    Module bridge = Bridge.class.getModule();
    ModuleLayer.boot()
        .findModule(access.jdkModule())
        .ifPresent(
            m -> {
              if (access.openedPackage() == null) {
                inst.redefineModule(m, Set.of(bridge), Map.of(), Map.of(), Set.of(), Map.of());
              } else {
                inst.redefineModule(m, Set.of(), Map.of(), Map.of(access.openedPackage(), Set.of(bridge)), Set.of(), Map.of());
              }
            });
  }

  /** The cheap first check on every class load; only named classes reach Byte Buddy. */
  private final class Gate implements ClassFileTransformer {
    @Override
    public byte[] transform(
        Module module, ClassLoader loader, String className, Class<?> redefined, ProtectionDomain domain, byte[] bytes)
        throws IllegalClassFormatException {
      if (className == null || !named(className) || !engineInstalled()) {
        return null;
      }
      try {
        TransformCache cache = cache();
        if (cache == null) {
          return transformer().transform(module, loader, className, redefined, domain, bytes);
        }
        byte[] cached = cache.lookup(loader, className, bytes);
        if (cached != null) {
          AgentLog.debug("instrumented " + className.replace('/', '.') + " (cached)");
          return cached;
        }
        AdviceTransformer.Decorated decorated = transformer().apply(module, loader, className, redefined, domain, bytes);
        if (decorated == null || !decorated.replayable() || !cache.store(loader, className, bytes, decorated.bytes())) {
          cache.markNeedsByteBuddy();
        }
        return decorated == null ? null : decorated.bytes();
      } catch (Throwable t) {
        AgentLog.debug("skipped " + className + ": " + t);
        return null;
      }
    }
  }

  /** The transformation cache once it is open, null when it is off (or not open in time). */
  private TransformCache cache() {
    if (cacheDir == null) {
      return null;
    }
    try {
      return cacheOpened.get(ENGINE_WAIT_SECONDS, TimeUnit.SECONDS);
    } catch (TimeoutException | ExecutionException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** False when the engine could not be built: then nothing is instrumented. */
  private boolean engineInstalled() {
    if (Thread.currentThread() == engineStart) {
      return true;
    }
    try {
      return engineInstalled.get(ENGINE_WAIT_SECONDS, TimeUnit.SECONDS) != null;
    } catch (TimeoutException e) {
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return true;
    } catch (ExecutionException e) {
      return false;
    }
  }
}
