package dev.skein.it.bench;

import dev.skein.it.support.Policies;
import java.io.File;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Many real agent engines in one JVM, each with its own etcd client and watch, and the time
 * from one {@code etcdctl put} to each of them having applied it.
 *
 * <p>Run in its own JVM with the agent jar on the boot class path
 * ({@code -Xbootclasspath/a:skein-agent.jar}), so that the engines load exactly as in an agent:
 * through the agent's own {@code EngineClassLoader}, relocated dependencies and all, with the
 * bridge classes in the bootstrap loader. Everything is reached by reflection because none of it
 * is on this module's class path.
 *
 * <p>Arguments: {@code ENGINES PUTS}; settings from the usual {@code skein.*} properties plus
 * {@code skein.agent.jar}. Prints {@code engines-ready N millis=M}, then
 * {@code propagation engines=N puts=K p50_ms=X p99_ms=Y max_ms=Z etcdctl_p50_ms=W} over every (engine, put) pair.
 */
public final class PropagationProbe {
  private static final Pattern PUT_REVISION = Pattern.compile("\"revision\":(\\d+)");

  private PropagationProbe() {}

  public static void main(String[] args) throws Exception {
    int engines = Integer.parseInt(args[0]);
    int puts = Integer.parseInt(args[1]);
    String prefix = System.getProperty("skein.etcd.prefix");
    ClassLoader loader =
        (ClassLoader) Class.forName("dev.skein.launcher.EngineClassLoader").getConstructor(File.class)
            .newInstance(new File(System.getProperty("skein.agent.jar")));
    Class<?> settingsType = loader.loadClass("dev.skein.core.config.AgentSettings");
    Object settings = settingsType.getMethod("fromEnvironment").invoke(null);
    Class<?> engineType = loader.loadClass("dev.skein.core.Engine");
    Method start = engineType.getMethod("start");
    Method router = engineType.getMethod("router");
    Method snapshot = router.getReturnType().getMethod("snapshot");
    Method revision = snapshot.getReturnType().getMethod("revision");

    Method phases = engineType.getMethod("startupPhases");
    Method phaseDone = phases.getReturnType().getMethod("done", String.class);
    String watchPhase = (String) phases.getReturnType().getField("ETCD").get(null);

    List<Object> routers = new ArrayList<>();
    List<Object> engineList = new ArrayList<>();
    long begin = System.nanoTime();
    ExecutorService starter = Executors.newFixedThreadPool(4);
    for (int i = 0; i < engines; i++) {
      Object engine = engineType.getConstructor(settingsType).newInstance(settings);
      routers.add(router.invoke(engine));
      engineList.add(engine);
      starter.execute(() -> {
        try {
          start.invoke(engine);
        } catch (ReflectiveOperationException e) {
          throw new IllegalStateException(e);
        }
      });
    }
    starter.shutdown();
    starter.awaitTermination(10, TimeUnit.MINUTES);
    long[] applied = new long[engines];
    awaitRevision(routers, snapshot, revision, 1, applied, TimeUnit.MINUTES.toNanos(5));
    System.out.println("engines-ready " + engines + " millis=" + (System.nanoTime() - begin) / 1_000_000);
    System.out.flush();

    // Ready means a first snapshot; each engine's watch starts right after it. One put that is
    // not measured proves that every watch delivers.
    awaitWatching(engineList, phases, phaseDone, watchPhase, TimeUnit.MINUTES.toNanos(5));
    awaitRevision(routers, snapshot, revision, put(prefix + "/policies/default/Route/orders", Policies.split(90, 10)), applied,
        TimeUnit.MINUTES.toNanos(2));
    List<Double> samples = new ArrayList<>();
    List<Double> putMillis = new ArrayList<>();
    for (int p = 1; p <= puts; p++) {
      String route = p % 2 == 1 ? Policies.split(80, 20) : Policies.split(90, 10);
      long t0 = System.nanoTime();
      long target = put(prefix + "/policies/default/Route/orders", route);
      putMillis.add((System.nanoTime() - t0) / 1e6);
      awaitRevision(routers, snapshot, revision, target, applied, TimeUnit.SECONDS.toNanos(30));
      for (long at : applied) {
        samples.add((at - t0) / 1e6);
      }
    }
    System.out.printf(
        java.util.Locale.ROOT,
        "propagation engines=%d puts=%d p50_ms=%.1f p99_ms=%.1f max_ms=%.1f etcdctl_p50_ms=%.1f%n",
        engines, puts, ScenarioResult.percentile(samples, 50), ScenarioResult.percentile(samples, 99),
        ScenarioResult.percentile(samples, 100), ScenarioResult.percentile(putMillis, 50));
    System.out.flush();
    System.exit(0);
  }

  /** Waits until every engine has started its etcd watch (its start-up phase {@code StartupPhases.ETCD}). */
  private static void awaitWatching(List<Object> engines, Method phases, Method phaseDone, String watchPhase, long timeout) throws Exception {
    long deadline = System.nanoTime() + timeout;
    for (Object engine : engines) {
      while (!(boolean) phaseDone.invoke(phases.invoke(engine), watchPhase)) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("an engine did not start its etcd watch in time");
        }
        Thread.sleep(10);
      }
    }
  }

  /** Polls every engine until its snapshot revision reaches {@code target}, noting when each did. */
  private static void awaitRevision(List<Object> routers, Method snapshot, Method revision, long target, long[] applied, long timeout)
      throws Exception {
    boolean[] done = new boolean[routers.size()];
    int left = routers.size();
    long deadline = System.nanoTime() + timeout;
    while (left > 0) {
      for (int i = 0; i < done.length; i++) {
        if (!done[i]) {
          Object s = snapshot.invoke(routers.get(i));
          if (s != null && (long) revision.invoke(s) >= target) {
            done[i] = true;
            applied[i] = System.nanoTime();
            left--;
          }
        }
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(left + " of " + routers.size() + " engines did not reach revision " + target);
      }
      Thread.sleep(0, 200_000);
    }
  }

  /** {@code etcdctl put -w json}, as an operator would run it; returns the new revision. */
  private static long put(String key, String value) throws Exception {
    String endpoints = System.getProperty("skein.etcd.endpoints");
    ProcessBuilder pb = new ProcessBuilder("etcdctl", "--endpoints=" + endpoints, "put", "-w", "json", key, value).redirectErrorStream(true);
    pb.environment().put("ETCDCTL_API", "3");
    Process process = pb.start();
    String out = new String(process.getInputStream().readAllBytes());
    Matcher m = PUT_REVISION.matcher(out);
    if (process.waitFor() != 0 || !m.find()) {
      throw new IllegalStateException("etcdctl put failed: " + out);
    }
    return Long.parseLong(m.group(1));
  }
}
