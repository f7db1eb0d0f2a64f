package dev.skein.agent;

import dev.skein.agent.spi.InstrumentationModule;
import dev.skein.agent.spi.Transformations;
import dev.skein.bootstrap.AgentLog;
import dev.skein.bootstrap.Bridge;
import dev.skein.bootstrap.Settings;
import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.IllegalClassFormatException;
import java.lang.instrument.Instrumentation;
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
 * A named class that loads before Byte Buddy is ready waits for it, so none slips through.
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
  private volatile ClassFileTransformer delegate;
  private List<InstrumentationModule> modules = List.of();

  private Instrumenter(Instrumentation inst, List<String> typeNames, CompletableFuture<?> engineInstalled, Thread engineStart) {
    this.inst = inst;
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
  static Instrumenter register(Instrumentation inst, CompletableFuture<?> engineInstalled, Thread engineStart)
      throws java.io.IOException {
    Instrumenter instrumenter =
        new Instrumenter(inst, TypeIndex.read(Instrumenter.class.getClassLoader()), engineInstalled, engineStart);
    inst.addTransformer(instrumenter.new Gate(), true);
    return instrumenter;
  }

  /** Builds the Byte Buddy transformer and retransforms named classes that loaded before it. */
  void initialize() {
    long started = System.nanoTime();
    transformer();
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
        "instrumentation ready (" + modules.stream().map(InstrumentationModule::name).toList() + ") in "
            + (System.nanoTime() - started) / 1_000_000 + " ms, " + loaded.size() + " classes retransformed");
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

  private ClassFileTransformer transformer() {
    ClassFileTransformer t = delegate;
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

  private ClassFileTransformer build() {
    List<InstrumentationModule> found = new ArrayList<>();
    for (InstrumentationModule module : ServiceLoader.load(InstrumentationModule.class, Instrumenter.class.getClassLoader())) {
      if (!"false".equalsIgnoreCase(Settings.get("skein.instrumentation." + module.name() + ".enabled"))) {
        found.add(module);
      }
    }
    // Before any advice runs: named JDK modules must read the bridge's module.
    for (InstrumentationModule module : found) {
      for (String name : module.jdkModules()) {
        ModuleLayer.boot().findModule(name).ifPresent(m -> readBridge(inst, m));
      }
      for (String open : module.jdkOpens()) {
        String[] parts = open.split("/", 2);
        ModuleLayer.boot()
            .findModule(parts[0])
            .ifPresent(
                m ->
                    inst.redefineModule(
                        m, Set.of(), Map.of(), Map.of(parts[1], Set.of(Bridge.class.getModule())), Set.of(), Map.of()));
      }
    }
    modules = found;
    Transformations transformations = new Transformations();
    for (InstrumentationModule module : modules) {
      transformations = module.extend(transformations);
    }
    return new AdviceTransformer(transformations.rules());
  }

  /** Lets a named JDK module read the bootstrap loader's unnamed module, where the bridge is. */
  private static void readBridge(Instrumentation inst, Module module) {
    inst.redefineModule(module, Set.of(Bridge.class.getModule()), Map.of(), Map.of(), Set.of(), Map.of());
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
        return transformer().transform(module, loader, className, redefined, domain, bytes);
      } catch (Throwable t) {
        AgentLog.debug("skipped " + className + ": " + t);
        return null;
      }
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
