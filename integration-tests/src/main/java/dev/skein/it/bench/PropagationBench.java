package dev.skein.it.bench;

import dev.skein.it.support.AgentJar;
import dev.skein.it.support.EtcdServer;
import dev.skein.it.support.MeshJvm;
import dev.skein.it.support.Policies;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Runs {@link PropagationProbe} for one engine count and parses its answer. */
final class PropagationBench {
  private static final Pattern RESULT = Pattern.compile("propagation engines=(\\d+) puts=(\\d+) p50_ms=([\\d.]+) p99_ms=([\\d.]+) max_ms=([\\d.]+) etcdctl_p50_ms=([\\d.]+)");
  private static final Pattern READY = Pattern.compile("engines-ready \\d+ millis=(\\d+)");

  private PropagationBench() {}

  /** One engine count's figures, in milliseconds. */
  record Result(int engines, int puts, double startMillis, double p50, double p99, double max, double etcdctlMillis) {}

  static Result run(EtcdServer etcd, int engines, int puts) throws Exception {
    String prefix = "/skein-bench-propagation-" + engines;
    etcd.put(prefix + "/policies/default/DestinationPolicy/orders", Policies.ORDERS_SUBSETS);
    etcd.put(prefix + "/policies/default/Route/orders", Policies.split(90, 10));
    String agent = AgentJar.path();
    try (MeshJvm jvm =
        HarnessClasses.jvm("propagation-" + engines)
            .withoutAgent()
            .jvmArg("-Xbootclasspath/a:" + agent)
            .property("skein.agent.jar", agent)
            .property("skein.service", "bench-watcher")
            .property("skein.etcd.endpoints", etcd.endpoint())
            .property("skein.etcd.prefix", prefix)
            .property("skein.log.level", "warn")
            // Hundreds of telemetry SDKs exporting nowhere would measure something else.
            .env("OTEL_SDK_DISABLED", "true")
            .start(PropagationProbe.class.getName(), Integer.toString(engines), Integer.toString(puts))) {
      Matcher ready = READY.matcher(jvm.awaitLineStartingWith("engines-ready", Duration.ofMinutes(6)));
      double startMillis = ready.find() ? Double.parseDouble(ready.group(1)) : Double.NaN;
      String line = jvm.awaitLineStartingWith("propagation", Duration.ofSeconds(30L * puts + 30));
      Matcher m = RESULT.matcher(line);
      if (!m.find()) {
        throw new IllegalStateException("unexpected propagation output: " + line + "\n" + jvm.agentLog());
      }
      return new Result(
          engines, puts, startMillis, Double.parseDouble(m.group(3)), Double.parseDouble(m.group(4)), Double.parseDouble(m.group(5)),
          Double.parseDouble(m.group(6)));
    }
  }
}
