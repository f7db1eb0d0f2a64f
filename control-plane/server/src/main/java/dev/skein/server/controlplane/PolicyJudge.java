package dev.skein.server.controlplane;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skein.api.Policy;
import dev.skein.api.Problem;
import dev.skein.server.policy.PolicyChecks;
import dev.skein.server.policy.StoredPolicies;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The verdict on each policy in etcd: its own problems (parse and field validation) and the
 * problems it has with the rest of the set (two Routes for a host, an unknown subset, a policy
 * that denies everything). A policy is valid only when it has neither, the rule agents apply too.
 */
final class PolicyJudge {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * One verdict.
     *
     * @param revision the policy key's mod revision the verdict is about
     */
    record Verdict(boolean valid, List<String> problems, long revision) {
        String json(String checkedBy) {
            ObjectNode o = JSON.createObjectNode();
            o.put("valid", valid);
            ArrayNode p = o.putArray("problems");
            problems.forEach(p::add);
            o.put("revision", revision);
            o.put("checkedBy", checkedBy);
            return o.toString();
        }
    }

    private PolicyJudge() {}

    /** Verdicts keyed by policy key. */
    static Map<String, Verdict> judge(Map<String, StoredPolicies.Stored> policies) {
        Map<String, Policy> valid = new LinkedHashMap<>();
        policies.forEach((k, s) -> {
            if (s.policy() != null) {
                valid.put(k, s.policy());
            }
        });
        Map<String, List<String>> setProblems = new LinkedHashMap<>();
        for (Problem p : PolicyChecks.check(valid)) {
            setProblems.computeIfAbsent(p.source(), k -> new ArrayList<>()).add(p.toString());
        }
        Map<String, Verdict> out = new LinkedHashMap<>();
        policies.forEach((k, s) -> {
            List<String> problems = new ArrayList<>();
            s.parse().problems().forEach(p -> problems.add(p.toString()));
            problems.addAll(setProblems.getOrDefault(k, List.of()));
            out.put(k, new Verdict(problems.isEmpty(), problems, s.modRevision()));
        });
        return out;
    }
}
