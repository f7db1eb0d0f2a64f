package dev.skein.core.discovery;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skein.api.Problem;
import dev.skein.core.state.MeshSnapshot;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What this agent reports under {@code /skein/status/agents/<ns>/<service>/<instance>} (a key on
 * its lease, so it disappears with the process): the policy revision it applied and the
 * policies it rejected, for {@code skein status}.
 */
public final class AgentStatus {
  /** Created on the first write, well after start: Jackson is a few hundred classes. */
  private static final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper();
  }

  private final String namespace;
  private final String service;
  private final String instance;

  public AgentStatus(String namespace, String service) {
    this.namespace = namespace;
    this.service = service;
    this.instance = service + "-" + ProcessHandle.current().pid();
  }

  // Set by the identity manager when a certificate arrives or is renewed.
  private volatile Instant certificateExpiry;
  // Set when the admin endpoint listens: the control plane's dashboard scrapes its /metrics.
  private volatile int adminPort;

  /** The loopback port of this agent's admin endpoint, reported as {@code adminPort}. */
  public void adminPort(int port) {
    this.adminPort = port;
  }

  /** This process's instance name: the last segment of its status, endpoint and CSR keys. */
  public String instance() {
    return instance;
  }

  /** The expiry of the workload certificate in force, reported as {@code certificateExpiry}. */
  public void certificateExpiry(Instant expiry) {
    this.certificateExpiry = expiry;
  }

  /** {@code <ns>/<service>/<instance>}, shown in {@code skein status}. */
  public String agentId() {
    return namespace + "/" + service + "/" + instance;
  }

  /** Where this agent's status goes. */
  public String key(dev.skein.api.KeyLayout layout) {
    return layout.agentStatusKey(namespace, service, instance);
  }

  public String json(MeshSnapshot snapshot) {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("agent", agentId());
    doc.put("service", service);
    doc.put("namespace", namespace);
    doc.put("instance", instance);
    doc.put("pid", ProcessHandle.current().pid());
    doc.put("revision", snapshot == null ? 0 : snapshot.revision());
    doc.put("origin", snapshot == null ? null : snapshot.origin().name().toLowerCase());
    doc.put("policies", snapshot == null ? 0 : snapshot.policies().size());
    doc.put("endpoints", snapshot == null ? 0 : snapshot.endpoints().size());
    Map<String, List<String>> rejected = new LinkedHashMap<>();
    if (snapshot != null) {
      snapshot.rejected().forEach((key, problems) -> rejected.put(key, problems.stream().map(Problem::toString).toList()));
    }
    doc.put("rejected", rejected);
    doc.put("updated", Instant.now().toString());
    Instant expiry = certificateExpiry;
    doc.put("certificateExpiry", expiry == null ? null : expiry.toString());
    if (adminPort > 0) {
      doc.put("adminPort", adminPort);
    }
    try {
      return Json.MAPPER.writeValueAsString(doc);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
