package dev.skein.it.demo;

import dev.skein.it.support.EtcdServer;
import dev.skein.it.support.MeshJvm;
import dev.skein.it.support.Policies;
import dev.skein.it.support.TwoVersionMesh;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The demo mesh: a local etcd, {@code orders} v1 and v2 under the agent, a traffic generator
 * under the agent calling {@code http://orders/}, and a walk through the mesh's policies, each
 * applied with etcdctl while a live table shows its effect on the edge frontend → orders.
 *
 * <p>{@code --quick} shortens every step (the test suite runs it so), {@code --step-seconds N}
 * sets the length of a step.
 */
public final class DemoMesh {
  private static final Pattern STATS = Pattern.compile("stats ok=(\\d+) failed=(\\d+) p50_us=(\\d+) p99_us=(\\d+) bodies=\\{(.*)\\}");

  private final EtcdServer etcd;
  private final TwoVersionMesh mesh;
  private final int stepSeconds;
  private MeshJvm traffic;

  private DemoMesh(EtcdServer etcd, int stepSeconds) {
    this.etcd = etcd;
    this.mesh = new TwoVersionMesh(etcd);
    this.stepSeconds = stepSeconds;
  }

  public static void main(String[] args) throws Exception {
    int stepSeconds = 6;
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--quick")) {
        stepSeconds = 3;
      } else if (args[i].equals("--step-seconds")) {
        stepSeconds = Integer.parseInt(args[++i]);
      }
    }
    System.setProperty("skein.it.quiet", "true");
    EtcdServer etcd = EtcdServer.started();
    DemoMesh demo = new DemoMesh(etcd, stepSeconds);
    Runtime.getRuntime().addShutdownHook(new Thread(demo::stopEverything, "demo-stop"));
    demo.run();
    demo.stopEverything();
  }

  private void run() throws Exception {
    say("etcd started at " + etcd.endpoint() + "; starting orders v1 and v2 under the agent");
    mesh.startServer("v1");
    mesh.startServer("v2");
    traffic =
        MeshJvm.builder("frontend")
            .property("skein.service", "frontend")
            .property("skein.etcd.endpoints", etcd.endpoint())
            .start("dev.skein.it.apps.TrafficClient", "http://orders/api/items", "100", "5");
    say("frontend sends 100 requests/s to http://orders/api/items (every 5th with x-canary: true)");

    step("1. no policy: round robin over every endpoint of orders");
    step("2. a 90/10 canary: DestinationPolicy with subsets v1, v2 and a weighted Route",
        Policies.DESTINATION_KEY, Policies.ORDERS_SUBSETS, Policies.ROUTE_KEY, Policies.split(90, 10));
    step("3. header routing: x-canary: true goes to v2, the rest to v1", Policies.ROUTE_KEY, Policies.CANARY_HEADER);
    step("4. an invalid Route (weight 140): rejected, the last good Route stays in force",
        Policies.ROUTE_KEY, Policies.split(140, 0));
    step("5. full cut-over to v2", Policies.ROUTE_KEY, Policies.split(0, 100));
    say("stopping etcd: traffic keeps flowing on the last policy");
    etcd.stop();
    table("6. etcd down");
    etcd.start();
    step("7. etcd is back: back to v1", Policies.ROUTE_KEY, Policies.split(100, 0));
    say("done");
  }

  private void step(String title, String... keyValues) throws Exception {
    for (int i = 0; i < keyValues.length; i += 2) {
      say("etcdctl put " + keyValues[i]);
      etcd.put(keyValues[i], keyValues[i + 1]);
    }
    table(title);
  }

  /** Prints the live table for one step: a row per second for the edge frontend → orders. */
  private void table(String title) throws Exception {
    System.out.println();
    System.out.println("== " + title);
    System.out.println("  edge               req/s  success     p50      p99   v1 share  v2 share");
    for (int s = 0; s < stepSeconds; s++) {
      String line = traffic.awaitLineStartingWith("stats", Duration.ofSeconds(10));
      Matcher m = STATS.matcher(line);
      if (!m.matches()) {
        continue;
      }
      int ok = Integer.parseInt(m.group(1));
      int failed = Integer.parseInt(m.group(2));
      Map<String, Integer> bodies = new TreeMap<>();
      for (String pair : m.group(5).split(",\\s*")) {
        if (pair.contains("=")) {
          bodies.put(pair.split("=")[0], Integer.parseInt(pair.split("=")[1]));
        }
      }
      int total = ok + failed;
      System.out.printf(
          Locale.ROOT,
          "  frontend→orders  %6d  %6.1f%%  %5.1fms  %5.1fms  %7.1f%%  %7.1f%%%n",
          total,
          total == 0 ? 0.0 : 100.0 * ok / total,
          Long.parseLong(m.group(3)) / 1000.0,
          Long.parseLong(m.group(4)) / 1000.0,
          ok == 0 ? 0.0 : 100.0 * bodies.getOrDefault("v1", 0) / ok,
          ok == 0 ? 0.0 : 100.0 * bodies.getOrDefault("v2", 0) / ok);
    }
    String rejected = traffic.agentLog().lines().filter(l -> l.contains("policy rejected")).reduce((a, b) -> b).orElse(null);
    if (title.contains("invalid") && rejected != null) {
      System.out.println("  agent log: " + rejected);
    }
  }

  private static void say(String message) {
    System.out.println("[demo] " + message);
  }

  private synchronized void stopEverything() {
    try {
      if (traffic != null) {
        traffic.close();
        traffic = null;
      }
      mesh.close();
      etcd.close();
    } catch (Exception e) {
      // best effort on the way out
    }
  }
}
