package dev.skein.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skein.api.KeyLayout;
import dev.skein.server.etcd.Etcd;
import io.etcd.jetcd.KeyValue;
import java.util.LinkedHashMap;
import java.util.Map;

/** The control plane's verdicts under {@code /skein/status/policies/}, keyed by the policy key they judge. */
final class Verdicts {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Verdicts() {}

    static Map<String, JsonNode> read(Etcd etcd, KeyLayout layout) {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        for (Map.Entry<String, KeyValue> e : etcd.getPrefix(layout.policyStatusPrefix()).entrySet()) {
            String policyKey = layout.policiesPrefix() + e.getKey().substring(layout.policyStatusPrefix().length());
            try {
                out.put(policyKey, JSON.readTree(Etcd.text(e.getValue().getValue())));
            } catch (java.io.IOException ignored) {
                // Not ours to judge: a verdict that is not JSON is shown as unknown.
            }
        }
        return out;
    }

    /** {@code valid}, {@code invalid}, or {@code -} when the control plane has not judged this revision. */
    static String summary(JsonNode verdict, long modRevision) {
        if (verdict == null) {
            return "-";
        }
        String v = verdict.path("valid").asBoolean(false) ? "valid" : "invalid";
        long judged = verdict.path("revision").asLong(0);
        return judged == modRevision ? v : v + " (rev " + judged + ")";
    }
}
