package dev.skein.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.skein.api.AuthorizationPolicySpec;
import dev.skein.api.DestinationPolicySpec;
import dev.skein.api.PeerAuthenticationSpec;
import dev.skein.api.Policy;
import dev.skein.api.PolicyKind;
import dev.skein.api.RateLimitPolicySpec;
import dev.skein.api.RouteSpec;
import dev.skein.api.ServiceEntrySpec;
import dev.skein.server.UserException;
import dev.skein.server.etcd.Etcd;
import dev.skein.server.policy.Kinds;
import dev.skein.server.policy.StoredPolicies;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code skein get [KIND [NAME]]}: policies from etcd, with the control plane's verdict. */
@Command(name = "get", description = "List policies (a table), or print them as YAML or JSON.")
final class GetCommand implements Callable<Integer> {
    @ParentCommand SkeinCommand skein;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "KIND", description = "route, destinationpolicy, ... or all")
    String kind;

    @Parameters(index = "1", arity = "0..1", paramLabel = "NAME")
    String name;

    @Option(names = {"-n", "--namespace"}, defaultValue = "default", description = "namespace (default ${DEFAULT-VALUE})")
    String namespace;

    @Option(names = {"-A", "--all-namespaces"}, description = "every namespace")
    boolean allNamespaces;

    @Option(names = {"-o", "--output"}, defaultValue = "table", description = "table, yaml or json")
    String output;

    @Override
    public Integer call() throws Exception {
        Optional<PolicyKind> k = kind == null ? Optional.empty() : Kinds.parse(kind);
        if (name != null && k.isEmpty()) {
            throw new UserException("a NAME needs a KIND: skein get route " + name);
        }
        if (!List.of("table", "yaml", "json").contains(output)) {
            throw new UserException("unknown output format " + output + ": table, yaml or json");
        }
        PrintWriter out = spec.commandLine().getOut();
        try (Etcd etcd = skein.connect()) {
            StoredPolicies stored = StoredPolicies.read(etcd, skein.layout());
            List<StoredPolicies.Stored> selected = new ArrayList<>();
            for (StoredPolicies.Stored s : stored.byKey().values()) {
                if ((allNamespaces || s.ref().namespace().equals(namespace))
                        && (k.isEmpty() || s.ref().kind() == k.get())
                        && (name == null || s.ref().name().equals(name))) {
                    selected.add(s);
                }
            }
            if (name != null && selected.isEmpty()) {
                throw new UserException(k.get() + " " + namespace + "/" + name + " not found");
            }
            switch (output) {
                case "yaml" -> printYaml(out, selected);
                case "json" -> printJson(out, selected, name != null);
                default -> printTable(out, selected, Verdicts.read(etcd, skein.layout()));
            }
            out.flush();
            return 0;
        }
    }

    private void printTable(PrintWriter out, List<StoredPolicies.Stored> selected, Map<String, JsonNode> verdicts) {
        if (selected.isEmpty()) {
            out.println("No policies found" + (allNamespaces ? "." : " in namespace " + namespace + "."));
            return;
        }
        Table t = allNamespaces ? new Table("NAMESPACE", "KIND", "NAME", "TARGET", "REVISION", "STATUS")
                : new Table("KIND", "NAME", "TARGET", "REVISION", "STATUS");
        for (StoredPolicies.Stored s : selected) {
            String status = Verdicts.summary(verdicts.get(s.key()), s.modRevision());
            if (s.policy() == null && status.equals("-")) {
                status = "invalid";
            }
            if (allNamespaces) {
                t.row(s.ref().namespace(), s.ref().kind(), s.ref().name(), target(s.policy()), s.modRevision(), status);
            } else {
                t.row(s.ref().kind(), s.ref().name(), target(s.policy()), s.modRevision(), status);
            }
        }
        t.print(out);
    }

    /** What the policy applies to: a host or a service. */
    static String target(Policy p) {
        if (p == null) {
            return "?";
        }
        Object spec = p.spec();
        if (spec instanceof RouteSpec r) {
            return "host " + r.host();
        } else if (spec instanceof DestinationPolicySpec d) {
            return "host " + d.host();
        } else if (spec instanceof ServiceEntrySpec e) {
            return "host " + e.host();
        } else if (spec instanceof PeerAuthenticationSpec a) {
            return a.selector() == null ? "namespace" : "service " + a.selector().service();
        } else if (spec instanceof AuthorizationPolicySpec a) {
            return a.selector() == null ? "namespace" : "service " + a.selector().service();
        } else if (spec instanceof RateLimitPolicySpec l) {
            return l.selector() == null ? "namespace" : "service " + l.selector().service();
        } else if (spec instanceof dev.skein.api.TelemetrySpec m) {
            return m.selector() == null ? "namespace" : "service " + m.selector().service();
        }
        return "";
    }

    private static void printYaml(PrintWriter out, List<StoredPolicies.Stored> selected) {
        boolean first = true;
        for (StoredPolicies.Stored s : selected) {
            if (!first) {
                out.println("---");
            }
            first = false;
            out.print(s.text().endsWith("\n") ? s.text() : s.text() + "\n");
        }
    }

    private static void printJson(PrintWriter out, List<StoredPolicies.Stored> selected, boolean single) throws Exception {
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        Load load = new Load(LoadSettings.builder().build());
        List<Object> docs = new ArrayList<>();
        for (StoredPolicies.Stored s : selected) {
            Object doc;
            try {
                doc = load.loadFromString(s.text());
            } catch (RuntimeException e) {
                doc = null;
            }
            if (!(doc instanceof Map)) {
                Map<String, Object> raw = new LinkedHashMap<>();
                raw.put("key", s.key());
                raw.put("value", s.text());
                doc = raw;
            }
            docs.add(doc);
        }
        out.println(json.writeValueAsString(single ? docs.get(0) : docs));
    }
}
