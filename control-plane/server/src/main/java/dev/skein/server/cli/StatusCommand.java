package dev.skein.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skein.api.Endpoint;
import dev.skein.api.EndpointRef;
import dev.skein.api.KeyLayout;
import dev.skein.server.etcd.Etcd;
import dev.skein.server.policy.StoredPolicies;
import io.etcd.jetcd.KeyValue;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code skein status}: services and their endpoints, each agent with the policy revision it
 * applied and what it rejected, and the control plane's verdicts.
 */
@Command(name = "status", description = "Services, endpoints, agents (with the policy revision each applied) "
        + "and policy verdicts.")
final class StatusCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @ParentCommand SkeinCommand skein;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = {"-n", "--namespace"}, description = "only this namespace (default: all)")
    String namespace;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        KeyLayout layout = skein.layout();
        try (Etcd etcd = skein.connect()) {
            StoredPolicies policies = StoredPolicies.read(etcd, layout);
            Map<String, KeyValue> endpoints = etcd.getPrefix(layout.endpointsPrefix());
            Map<String, KeyValue> agents = etcd.getPrefix(layout.agentsPrefix());
            Map<String, JsonNode> verdicts = Verdicts.read(etcd, layout);
            long latest = policies.byKey().values().stream().mapToLong(StoredPolicies.Stored::modRevision).max().orElse(0);

            printEndpoints(out, layout, endpoints);
            out.println();
            printAgents(out, layout, agents, latest);
            out.println();
            printVerdicts(out, policies, verdicts);
            out.flush();
        }
        return 0;
    }

    private boolean inScope(String ns) {
        return namespace == null || namespace.equals(ns);
    }

    private void printEndpoints(PrintWriter out, KeyLayout layout, Map<String, KeyValue> endpoints) {
        Map<String, List<String[]>> byService = new TreeMap<>();
        List<String> unreadable = new ArrayList<>();
        for (Map.Entry<String, KeyValue> e : endpoints.entrySet()) {
            EndpointRef ref = layout.parseEndpointKey(e.getKey()).orElse(null);
            if (ref == null || !inScope(ref.namespace())) {
                continue;
            }
            try {
                Endpoint ep = Endpoint.fromJson(Etcd.text(e.getValue().getValue()));
                byService.computeIfAbsent(ref.namespace() + "/" + ref.service(), k -> new ArrayList<>())
                        .add(new String[] {ref.instanceId(), ep.address() + ":" + ep.port(), ep.protocol() + (ep.tls() ? "+mtls" : ""), Describe.labels(ep.labels())});
            } catch (RuntimeException ex) {
                unreadable.add(e.getKey() + ": " + ex.getMessage());
            }
        }
        out.println("SERVICES (" + byService.size() + ")");
        if (byService.isEmpty()) {
            out.println("  none registered");
        } else {
            Table t = new Table("NAMESPACE", "SERVICE", "INSTANCE", "ADDRESS", "PROTOCOL", "LABELS");
            byService.forEach((svc, eps) -> {
                String[] ns = svc.split("/", 2);
                for (String[] ep : eps) {
                    t.row(ns[0], ns[1], ep[0], ep[1], ep[2], ep[3]);
                }
            });
            t.print(out);
        }
        unreadable.forEach(u -> out.println("  unreadable endpoint " + u));
    }

    private void printAgents(PrintWriter out, KeyLayout layout, Map<String, KeyValue> agents, long latest) {
        Table t = new Table("NAMESPACE", "SERVICE", "INSTANCE", "PID", "REVISION", "IN-SYNC", "POLICIES", "ENDPOINTS", "REJECTED", "UPDATED", "CERT-EXPIRY");
        List<String> rejectedLines = new ArrayList<>();
        for (Map.Entry<String, KeyValue> e : agents.entrySet()) {
            JsonNode a;
            try {
                a = JSON.readTree(Etcd.text(e.getValue().getValue()));
            } catch (java.io.IOException ex) {
                out.println("  unreadable agent status " + e.getKey());
                continue;
            }
            String id = e.getKey().substring(layout.agentsPrefix().length());
            String[] parts = id.split("/", 3);
            String ns = a.path("namespace").asText(parts.length == 3 ? parts[0] : "?");
            if (!inScope(ns)) {
                continue;
            }
            long revision = a.path("revision").asLong(0);
            JsonNode rejected = a.path("rejected");
            int rejectedCount = rejected.isObject() ? rejected.size() : 0;
            t.row(ns, a.path("service").asText(parts.length == 3 ? parts[1] : "?"),
                    a.path("instance").asText(parts.length == 3 ? parts[2] : id),
                    a.path("pid").asText("-"), revision,
                    // An agent acknowledges the revision of its last snapshot: it is in sync once that
                    // is at least the revision of the newest policy write.
                    revision >= latest ? "yes" : "no", a.path("policies").asText("-"),
                    a.path("endpoints").asText("-"), rejectedCount, a.path("updated").asText("-"),
                    a.path("certificateExpiry").isTextual() ? a.path("certificateExpiry").asText() : "-");
            for (Iterator<Map.Entry<String, JsonNode>> it = rejected.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> r = it.next();
                for (JsonNode line : r.getValue()) {
                    rejectedLines.add(id + " rejected: " + line.asText());
                }
            }
        }
        out.println("AGENTS (" + t.size() + "; newest policy write at revision " + latest + ")");
        if (t.size() == 0) {
            out.println("  none reporting");
        } else {
            t.print(out);
        }
        rejectedLines.forEach(out::println);
    }

    private void printVerdicts(PrintWriter out, StoredPolicies policies, Map<String, JsonNode> verdicts) {
        Table t = new Table("NAMESPACE", "KIND", "NAME", "REVISION", "VERDICT", "CHECKED-BY");
        List<String> problems = new ArrayList<>();
        for (StoredPolicies.Stored s : policies.byKey().values()) {
            if (!inScope(s.ref().namespace())) {
                continue;
            }
            JsonNode v = verdicts.get(s.key());
            t.row(s.ref().namespace(), s.ref().kind(), s.ref().name(), s.modRevision(),
                    Verdicts.summary(v, s.modRevision()), v == null ? "-" : v.path("checkedBy").asText("-"));
            if (v != null) {
                for (JsonNode p : v.path("problems")) {
                    problems.add(p.asText());
                }
            }
        }
        out.println("POLICIES (" + t.size() + ")");
        if (t.size() == 0) {
            out.println("  none");
        } else {
            t.print(out);
        }
        problems.forEach(out::println);
    }
}
