package dev.skein.server.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skein.api.Endpoint;
import dev.skein.api.EndpointRef;
import dev.skein.api.KeyLayout;
import dev.skein.api.MtlsMode;
import dev.skein.api.PeerAuthenticationSpec;
import dev.skein.api.PolicyKind;
import dev.skein.server.etcd.Etcd;
import dev.skein.server.policy.StoredPolicies;
import io.etcd.jetcd.KeyValue;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What etcd says about the mesh, read in one pass: agents (with their admin ports), services and
 * their endpoints, policies with the control plane's verdicts, and the PeerAuthentication mode
 * of each service.
 */
final class MeshReader {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One service: its namespace, protocol and instances per version label. */
    record Service(String namespace, String name, String protocol, Map<String, Integer> versions) {}

    record Mesh(List<AgentInfo> agents, Map<String, Service> services, List<Map<String, Object>> policies,
            Map<String, String> mtlsByService) {}

    private final Etcd etcd;
    private final KeyLayout layout;

    MeshReader(Etcd etcd, KeyLayout layout) {
        this.etcd = etcd;
        this.layout = layout;
    }

    Mesh read() {
        Map<String, KeyValue> endpointKeys = etcd.getPrefix(layout.endpointsPrefix());
        Map<String, Service> services = new TreeMap<>();
        Map<String, Map<String, String>> labelsByInstancePrefix = new LinkedHashMap<>();
        for (Map.Entry<String, KeyValue> e : endpointKeys.entrySet()) {
            EndpointRef ref = layout.parseEndpointKey(e.getKey()).orElse(null);
            if (ref == null) {
                continue;
            }
            Endpoint ep;
            try {
                ep = Endpoint.fromJson(Etcd.text(e.getValue().getValue()));
            } catch (RuntimeException ex) {
                continue;
            }
            Service s = services.computeIfAbsent(ref.service(),
                    n -> new Service(ref.namespace(), n, ep.protocol(), new TreeMap<>()));
            s.versions().merge(ep.labels().getOrDefault("version", "-"), 1, Integer::sum);
            labelsByInstancePrefix.put(ref.namespace() + "/" + ref.service() + "/" + ref.instanceId(), ep.labels());
        }
        List<AgentInfo> agents = new ArrayList<>();
        for (Map.Entry<String, KeyValue> e : etcd.getPrefix(layout.agentsPrefix()).entrySet()) {
            try {
                JsonNode a = JSON.readTree(Etcd.text(e.getValue().getValue()));
                String id = a.path("agent").asText(e.getKey());
                // An endpoint's instance id is the agent's instance followed by the port.
                Map<String, String> labels = Map.of();
                for (Map.Entry<String, Map<String, String>> l : labelsByInstancePrefix.entrySet()) {
                    if (l.getKey().startsWith(id + "-")) {
                        labels = l.getValue();
                    }
                }
                agents.add(new AgentInfo(id, a.path("namespace").asText("default"), a.path("service").asText("?"),
                        a.path("pid").asLong(), a.path("revision").asLong(), a.path("adminPort").asInt(0), labels));
            } catch (IOException ex) {
                // an unreadable status: that agent is left out
            }
        }
        StoredPolicies stored = StoredPolicies.read(etcd, layout);
        Map<String, KeyValue> verdicts = etcd.getPrefix(layout.policyStatusPrefix());
        List<Map<String, Object>> policies = new ArrayList<>();
        Map<String, String> mtls = new TreeMap<>();
        for (StoredPolicies.Stored s : stored.byKey().values()) {
            policies.add(policy(s, verdicts.get(layout.policyStatusKey(s.ref())), agents));
            if (s.policy() != null && s.policy().kind() == PolicyKind.PeerAuthentication) {
                PeerAuthenticationSpec pa = s.policy().spec(PeerAuthenticationSpec.class);
                MtlsMode mode = pa.mtls() == null ? null : pa.mtls().mode();
                String target = pa.selector() == null || pa.selector().service() == null ? "*" : pa.selector().service();
                if (mode != null) {
                    mtls.put(target, mode.name());
                }
            }
        }
        return new Mesh(agents, services, policies, mtls);
    }

    private static Map<String, Object> policy(StoredPolicies.Stored s, KeyValue verdictKv, List<AgentInfo> agents) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("namespace", s.ref().namespace());
        p.put("kind", s.ref().kind().name());
        p.put("name", s.ref().name());
        p.put("revision", s.modRevision());
        String verdict = "pending";
        List<String> problems = new ArrayList<>();
        if (verdictKv != null) {
            try {
                JsonNode v = JSON.readTree(Etcd.text(verdictKv.getValue()));
                if (v.path("revision").asLong(-1) == s.modRevision()) {
                    verdict = v.path("valid").asBoolean() ? "valid" : "invalid";
                }
                v.path("problems").forEach(x -> problems.add(x.asText()));
            } catch (IOException ex) {
                verdict = "unreadable";
            }
        }
        p.put("verdict", verdict);
        p.put("problems", problems);
        long applied = agents.stream().filter(a -> a.revision() >= s.modRevision()).count();
        p.put("appliedBy", applied + "/" + agents.size());
        return p;
    }
}
