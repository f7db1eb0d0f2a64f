package dev.skein.core.tls;

import dev.skein.api.MtlsMode;
import dev.skein.api.PeerAuthenticationSpec;
import dev.skein.api.Policy;
import dev.skein.api.PolicyKind;
import java.util.Map;

/**
 * The PeerAuthentication mode of this workload: a policy selecting its service wins over one for
 * its whole namespace; with none, PERMISSIVE.
 */
final class PeerAuthentications {
  private PeerAuthentications() {}

  static MtlsMode modeFor(Map<String, Policy> policies, String namespace, String service) {
    MtlsMode namespaceWide = null;
    for (Policy p : policies.values()) {
      if (p.kind() != PolicyKind.PeerAuthentication || !namespace.equals(p.namespace())) {
        continue;
      }
      PeerAuthenticationSpec spec = p.spec(PeerAuthenticationSpec.class);
      if (spec.selector() == null) {
        namespaceWide = spec.mtls().mode();
      } else if (spec.selector().service().equals(service)) {
        return spec.mtls().mode();
      }
    }
    return namespaceWide == null ? MtlsMode.PERMISSIVE : namespaceWide;
  }
}
