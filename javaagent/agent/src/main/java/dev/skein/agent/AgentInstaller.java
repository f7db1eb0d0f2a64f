package dev.skein.agent;

import dev.skein.bootstrap.AgentLog;
import dev.skein.bootstrap.Bridge;
import dev.skein.core.Engine;
import dev.skein.core.config.AgentSettings;
import dev.skein.core.lifecycle.StartupPhases;
import java.io.File;
import java.lang.instrument.Instrumentation;
import java.util.concurrent.CompletableFuture;

/**
 * Runs inside the engine class loader, on the premain thread: registers the instrumentation gate
 * and returns. The engine (settings, then etcd) and Byte Buddy start on two daemon threads while
 * the application starts; the gate transforms a class only once both are ready, so no advice
 * ever runs before the engine is behind the bridge.
 */
public final class AgentInstaller {
  private AgentInstaller() {}

  public static void install(Instrumentation inst, File agentJar, String args, long startedNanos) {
    // Completes with the engine once it is behind the bridge, with null if it could not be built
    // (then the gate instruments nothing and the application runs without the mesh).
    CompletableFuture<Engine> engineInstalled = new CompletableFuture<>();
    CompletableFuture<Void> instrumented = new CompletableFuture<>();
    CompletableFuture<Long> premainEnded = new CompletableFuture<>();
    // The engine's construction loads a few hundred classes: on a thread of its own it overlaps
    // Byte Buddy's start instead of delaying the application's main thread.
    Thread engineStart =
        daemon(
            "skein-engine-start",
            () -> {
              Engine engine = installEngine(startedNanos, engineInstalled);
              if (engine != null) {
                premainEnded.thenAccept(nanos -> engine.startupPhases().mark(StartupPhases.PREMAIN, nanos));
                engine.deferBackgroundStartUntil(instrumented);
                engine.start();
              }
            });
    Instrumenter instrumenter;
    try {
      instrumenter = Instrumenter.register(inst, engineInstalled, engineStart, agentJar);
    } catch (java.io.IOException e) {
      AgentLog.error("instrumentation not installed", e);
      instrumented.complete(null);
      instrumenter = null;
    }
    engineStart.start();
    if (instrumenter != null) {
      Instrumenter gate = instrumenter;
      daemon(
              "skein-instrumentation-init",
              () -> {
                try {
                  gate.initialize();
                  long done = System.nanoTime();
                  engineInstalled.thenAccept(
                      engine -> {
                        if (engine != null) {
                          engine.startupPhases().mark(StartupPhases.INSTRUMENTATION, done);
                        }
                      });
                } finally {
                  instrumented.complete(null);
                }
              })
          .start();
    }
    premainEnded.complete(System.nanoTime());
    AgentLog.debug("premain took " + (System.nanoTime() - startedNanos) / 1_000_000 + " ms");
  }

  /** Reads the settings, builds the engine and puts it behind the bridge; null if that failed. */
  private static Engine installEngine(long startedNanos, CompletableFuture<Engine> engineInstalled) {
    Engine engine = null;
    try {
      AgentSettings settings = AgentSettings.fromEnvironment();
      engine = new Engine(settings, startedNanos);
      Bridge.install(engine);
    } catch (RuntimeException e) {
      AgentLog.error("invalid agent settings, the application runs without the mesh", e);
      engine = null;
    } finally {
      engineInstalled.complete(engine);
    }
    return engine;
  }

  /** A daemon thread in the engine class loader that logs what it throws; not yet started. */
  private static Thread daemon(String name, Runnable task) {
    Thread thread =
        new Thread(
            () -> {
              try {
                task.run();
              } catch (Throwable t) {
                AgentLog.error(name + " failed; requests pass through untouched", t);
              }
            },
            name);
    thread.setDaemon(true);
    thread.setContextClassLoader(AgentInstaller.class.getClassLoader());
    return thread;
  }
}
