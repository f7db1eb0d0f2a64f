package dev.skein.server.cli;

import dev.skein.server.etcd.Etcd;
import dev.skein.server.policy.ApplyPlan;
import dev.skein.server.policy.Kinds;
import dev.skein.server.policy.PolicyDocument;
import dev.skein.server.policy.PolicyWriter;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code skein apply -f FILE}: validate everything, then write every change in one transaction. */
@Command(name = "apply", description = "Validate policies and write them to etcd in one transaction.")
final class ApplyCommand implements Callable<Integer> {
    @ParentCommand SkeinCommand skein;
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Mixin FileOptions input;

    @Option(names = "--chunk-size", paramLabel = "N", defaultValue = "0",
            description = "write in transactions of at most N keys (not atomic as a whole); for etcd servers "
                    + "with a low --max-txn-ops. Default: one transaction")
    int chunkSize;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        List<PolicyDocument> docs = input.read();
        try (Etcd etcd = skein.connect()) {
            ApplyPlan plan = Plans.plan(skein, etcd, docs);
            if (!plan.ok()) {
                Plans.printProblems(spec.commandLine().getErr(), plan.problems());
                return 1;
            }
            PolicyWriter.write(etcd, plan.writes(), chunkSize);
            for (ApplyPlan.Change c : plan.changes()) {
                out.println(Kinds.display(c.ref(), "default") + " " + c.action());
            }
            out.flush();
            return 0;
        }
    }
}
