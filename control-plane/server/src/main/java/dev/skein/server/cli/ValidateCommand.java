package dev.skein.server.cli;

import dev.skein.api.Problem;
import dev.skein.server.etcd.Etcd;
import dev.skein.server.policy.ApplyPlan;
import dev.skein.server.policy.PolicyChecks;
import dev.skein.server.policy.PolicyDocument;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code skein validate -f FILE}: the checks of apply, writing nothing. */
@Command(name = "validate", description = "Check policies as apply would, against what etcd holds; write nothing.")
final class ValidateCommand implements Callable<Integer> {
    @ParentCommand SkeinCommand skein;
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Mixin FileOptions input;

    @Option(names = "--offline", description = "check the files alone and across each other, without etcd")
    boolean offline;

    @Override
    public Integer call() {
        List<PolicyDocument> docs = input.read();
        List<Problem> problems;
        if (offline) {
            problems = new ArrayList<>();
            Map<String, dev.skein.api.Policy> set = new LinkedHashMap<>();
            for (PolicyDocument d : docs) {
                problems.addAll(d.problems());
                if (d.policy() != null) {
                    set.put(d.source(), d.policy());
                }
            }
            problems.addAll(PolicyChecks.check(set));
        } else {
            try (Etcd etcd = skein.connect()) {
                ApplyPlan plan = Plans.plan(skein, etcd, docs);
                problems = plan.problems();
            }
        }
        if (!problems.isEmpty()) {
            Plans.printProblems(spec.commandLine().getErr(), problems);
            return 1;
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println(docs.size() + (docs.size() == 1 ? " policy" : " policies") + " valid");
        out.flush();
        return 0;
    }
}
