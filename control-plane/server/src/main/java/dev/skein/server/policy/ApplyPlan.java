package dev.skein.server.policy;

import dev.skein.api.KeyLayout;
import dev.skein.api.Policy;
import dev.skein.api.PolicyRef;
import dev.skein.api.Problem;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What applying a set of documents would do, computed against what etcd holds: each document
 * created, configured or unchanged, and every problem that would block the apply. Shared by
 * {@code apply}, {@code diff} and {@code validate} so that the three always agree.
 */
public final class ApplyPlan {
    /** What happens to one object. */
    public enum Action { created, configured, unchanged }

    /**
     * One object of the input.
     *
     * @param oldText     the stored text, or null when the key is new
     * @param modRevision the stored key's revision, 0 when new (the transaction's guard)
     */
    public record Change(PolicyRef ref, String key, Action action, String oldText, String newText, long modRevision) {}

    private final List<Change> changes;
    private final List<Problem> problems;

    private ApplyPlan(List<Change> changes, List<Problem> problems) {
        this.changes = List.copyOf(changes);
        this.problems = List.copyOf(problems);
    }

    /** Validates every document alone, then the whole set as it would be after the apply. */
    public static ApplyPlan of(List<PolicyDocument> docs, StoredPolicies stored, KeyLayout layout) {
        List<Problem> problems = new ArrayList<>();
        for (PolicyDocument d : docs) {
            problems.addAll(d.problems());
        }
        Map<String, Policy> before = stored.validByKey();
        Map<String, Policy> after = new LinkedHashMap<>(before);
        List<Change> changes = new ArrayList<>();
        for (PolicyDocument d : docs) {
            if (d.policy() == null) {
                continue;
            }
            String key = layout.policyKey(d.policy().ref());
            after.remove(key);
            StoredPolicies.Stored old = stored.byKey().get(key);
            Action action = old == null ? Action.created : old.text().equals(d.text()) ? Action.unchanged : Action.configured;
            changes.add(new Change(d.policy().ref(), key, action, old == null ? null : old.text(), d.text(),
                    old == null ? 0 : old.modRevision()));
        }
        for (PolicyDocument d : docs) {
            if (d.policy() != null) {
                // Keyed by the document's source, so that problems name the operator's file.
                after.put(d.source(), d.policy());
            }
        }
        problems.addAll(PolicyChecks.introduced(before, after));
        return new ApplyPlan(changes, problems);
    }

    public List<Change> changes() {
        return changes;
    }

    /** Every problem; the apply writes nothing unless this is empty. */
    public List<Problem> problems() {
        return problems;
    }

    public boolean ok() {
        return problems.isEmpty();
    }

    /** The changes that write something. */
    public List<Change> writes() {
        return changes.stream().filter(c -> c.action() != Action.unchanged).toList();
    }
}
