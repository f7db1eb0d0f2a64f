package dev.skein.core.telemetry;

import dev.skein.api.AccessLogging;
import dev.skein.api.Policy;
import dev.skein.api.PolicyKind;
import dev.skein.api.TelemetrySpec;
import java.util.Map;

/**
 * The Telemetry policy that decides this workload's access log: one that selects its service
 * wins over one for the whole namespace (as for the other server-side kinds).
 */
final class AccessLogPolicy {
  /** The chosen policy's name and its access-log setting. */
  record Chosen(String name, AccessLogging accessLogging) {}

  private AccessLogPolicy() {}

  /** @return null when no Telemetry policy applies to this workload */
  static Chosen select(String namespace, String service, Map<String, Policy> policies) {
    Chosen namespaceWide = null;
    for (Policy p : policies.values()) {
      if (p.kind() != PolicyKind.Telemetry || !p.namespace().equals(namespace)) {
        continue;
      }
      TelemetrySpec spec = p.spec(TelemetrySpec.class);
      if (spec.selector() == null) {
        namespaceWide = new Chosen(p.namespace() + "/" + p.name(), spec.accessLogging());
      } else if (spec.selector().service().equals(service)) {
        return new Chosen(p.namespace() + "/" + p.name(), spec.accessLogging());
      }
    }
    return namespaceWide;
  }
}
