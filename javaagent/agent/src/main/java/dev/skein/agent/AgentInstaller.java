package dev.skein.agent;

import dev.skein.bootstrap.AgentLog;
import dev.skein.bootstrap.Bridge;
import dev.skein.core.Engine;
import dev.skein.core.config.AgentSettings;
import dev.skein.core.lifecycle.StartupPhases;
import java.io.File;
import java.lang.instrument.Instrumentation;

/**
 * Runs inside the engine class loader, on the premain thread: builds the engine, installs it
 * behind the bridge, starts it on a daemon thread, and registers the instrumentation gate. All
 * heavy work (etcd, Byte Buddy) happens on daemon threads while the application starts.
 */
public final class AgentInstaller {
  private AgentInstaller() {}

  public static void install(Instrumentation inst, File agentJar, String args, long startedNanos) {
    AgentSettings settings;
    try {
      settings = AgentSettings.fromEnvironment();
    } catch (RuntimeException e) {
      AgentLog.error("invalid agent settings, the application runs without the mesh", e);
      return;
    }
    Engine engine = new Engine(settings, startedNanos);
    Bridge.install(engine);
    java.util.concurrent.CompletableFuture<Void> instrumented = new java.util.concurrent.CompletableFuture<>();
    engine.deferBackgroundStartUntil(instrumented);
    daemon("skein-engine-start", () -> engine.start());
    Instrumenter instrumenter;
    try {
      instrumenter = Instrumenter.register(inst);
    } catch (java.io.IOException e) {
      AgentLog.error("instrumentation not installed", e);
      instrumented.complete(null);
      return;
    }
    daemon(
        "skein-instrumentation-init",
        () -> {
          try {
            instrumenter.initialize();
            engine.startupPhases().mark(StartupPhases.INSTRUMENTATION);
          } finally {
            instrumented.complete(null);
          }
        });
    engine.startupPhases().mark(StartupPhases.PREMAIN);
    AgentLog.debug("premain took " + (System.nanoTime() - startedNanos) / 1_000_000 + " ms");
  }

  private static void daemon(String name, Runnable task) {
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
    thread.start();
  }
}
