package dev.skein.server.cli;

import dev.skein.api.Problem;
import dev.skein.server.etcd.Etcd;
import dev.skein.server.policy.ApplyPlan;
import dev.skein.server.policy.PolicyDocument;
import dev.skein.server.policy.StoredPolicies;
import java.io.PrintWriter;
import java.util.List;

/** Reading the input and planning against etcd, shared by apply, diff and validate. */
final class Plans {
    private Plans() {}

    static ApplyPlan plan(SkeinCommand skein, Etcd etcd, List<PolicyDocument> docs) {
        return ApplyPlan.of(docs, StoredPolicies.read(etcd, skein.layout()), skein.layout());
    }

    /** One line per problem on stderr. */
    static void printProblems(PrintWriter err, List<Problem> problems) {
        for (Problem p : problems) {
            err.println(p);
        }
        err.flush();
    }
}
