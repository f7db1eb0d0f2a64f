package dev.skein.core.tls;

import dev.skein.api.DestinationPolicySpec;
import dev.skein.api.Endpoint;
import dev.skein.api.EndpointRef;
import dev.skein.api.KeyLayout;
import dev.skein.api.Policy;
import dev.skein.api.PolicyKind;
import dev.skein.api.TlsMode;
import dev.skein.core.state.MeshSnapshot;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The registered endpoints of one snapshot by address and port, for the client side of mutual TLS:
 * which service answers at {@code address:port} (the SPIFFE ID to expect), whether it accepts the
 * mesh's TLS, and whether the destination's DestinationPolicy turned TLS off.
 */
final class MeshEndpoints {
  record Entry(String namespace, String service, boolean tls) {}

  private final MeshSnapshot snapshot;
  private final Map<String, Entry> byAddress = new HashMap<>();

  MeshEndpoints(MeshSnapshot snapshot, KeyLayout layout) {
    this.snapshot = snapshot;
    Set<String> tlsOff = new HashSet<>();
    for (Policy p : snapshot.policies().values()) {
      if (p.kind() == PolicyKind.DestinationPolicy) {
        DestinationPolicySpec spec = p.spec(DestinationPolicySpec.class);
        if (spec.tls() != null && spec.tls().mode() == TlsMode.DISABLE) {
          String host = spec.host();
          int dot = host.indexOf('.');
          tlsOff.add(dot < 0 ? p.namespace() + "/" + host : host.substring(dot + 1) + "/" + host.substring(0, dot));
        }
      }
    }
    snapshot.endpoints().forEach(
        (key, endpoint) ->
            layout.parseEndpointKey(key).ifPresent(ref -> byAddress.put(key(endpoint.address(), endpoint.port()), entry(ref, endpoint, tlsOff))));
  }

  private static Entry entry(EndpointRef ref, Endpoint endpoint, Set<String> tlsOff) {
    boolean tls = endpoint.tls() && !tlsOff.contains(ref.namespace() + "/" + ref.service());
    return new Entry(ref.namespace(), ref.service(), tls);
  }

  private static String key(String address, int port) {
    return address + "|" + port;
  }

  MeshSnapshot snapshot() {
    return snapshot;
  }

  /** The endpoint registered at this address, or {@code null}. */
  Entry at(String address, int port) {
    return address == null ? null : byAddress.get(key(address, port));
  }
}
