package dev.skein.core.discovery;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.skein.api.Problem;
import dev.skein.core.state.MeshSnapshot;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What this agent reports under {@code /skein/status/agents/<ns>/<service>/<instance>} (a key on
 * its lease, so it disappears with the process): the policy revision it applied and the
 * policies it rejected, for {@code skein status}.
 */
public final class AgentStatus {
  /**
   * Jackson's streaming generator, not its {@code ObjectMapper}: every agent writes this document,
   * and databind loads some 400 classes (about 5 MiB of class metadata in each application JVM)
   * to write a dozen fields. Created on the first write, well after start.
   */
  private static final class Json {
    static final JsonFactory FACTORY = new JsonFactory();
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
    StringWriter out = new StringWriter(256);
    try (JsonGenerator g = Json.FACTORY.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("agent", agentId());
      g.writeStringField("service", service);
      g.writeStringField("namespace", namespace);
      g.writeStringField("instance", instance);
      g.writeNumberField("pid", ProcessHandle.current().pid());
      g.writeNumberField("revision", snapshot == null ? 0 : snapshot.revision());
      g.writeStringField("origin", snapshot == null ? null : snapshot.origin().name().toLowerCase(Locale.ROOT));
      g.writeNumberField("policies", snapshot == null ? 0 : snapshot.policies().size());
      g.writeNumberField("endpoints", snapshot == null ? 0 : snapshot.endpoints().size());
      g.writeObjectFieldStart("rejected");
      if (snapshot != null) {
        for (Map.Entry<String, List<Problem>> rejected : snapshot.rejected().entrySet()) {
          g.writeArrayFieldStart(rejected.getKey());
          for (Problem problem : rejected.getValue()) {
            g.writeString(problem.toString());
          }
          g.writeEndArray();
        }
      }
      g.writeEndObject();
      g.writeStringField("updated", Instant.now().toString());
      Instant expiry = certificateExpiry;
      g.writeStringField("certificateExpiry", expiry == null ? null : expiry.toString());
      if (adminPort > 0) {
        g.writeNumberField("adminPort", adminPort);
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a StringWriter does not fail
    }
    return out.toString();
  }
}
