package dev.skein.core.telemetry;

import java.lang.management.ManagementFactory;

/** Whether the OpenTelemetry Java agent runs in this JVM too (it would trace the same requests). */
final class OtelAgentDetector {
  private OtelAgentDetector() {}

  static boolean present() {
    try {
      for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
        if (arg.startsWith("-javaagent:") && arg.contains("opentelemetry-javaagent")) {
          return true;
        }
      }
      // Built at run time: the agent's shade step rewrites io.opentelemetry names in constants.
      String premain = String.join("/", "io", "opentelemetry", "javaagent", "OpenTelemetryAgent.class");
      return ClassLoader.getSystemClassLoader().getResource(premain) != null;
    } catch (RuntimeException | LinkageError e) {
      return false;
    }
  }
}
