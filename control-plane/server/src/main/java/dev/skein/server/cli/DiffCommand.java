package dev.skein.server.cli;

import dev.skein.server.etcd.Etcd;
import dev.skein.server.policy.ApplyPlan;
import dev.skein.server.policy.Kinds;
import dev.skein.server.policy.LineDiff;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code skein diff -f FILE}: what apply would change; exit 1 when apply would fail. */
@Command(name = "diff", description = "Show what apply would change: created, configured (with a line diff), unchanged. "
        + "Exit code 1 when apply would be refused.")
final class DiffCommand implements Callable<Integer> {
    @ParentCommand SkeinCommand skein;
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Mixin FileOptions input;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try (Etcd etcd = skein.connect()) {
            ApplyPlan plan = Plans.plan(skein, etcd, input.read());
            for (ApplyPlan.Change c : plan.changes()) {
                out.println(Kinds.display(c.ref(), "default") + " " + c.action());
                if (c.action() == ApplyPlan.Action.configured) {
                    out.println("--- " + c.key() + " (etcd, revision " + c.modRevision() + ")");
                    out.println("+++ " + c.key() + " (after apply)");
                    LineDiff.diff(c.oldText(), c.newText()).forEach(out::println);
                }
            }
            out.flush();
            if (!plan.ok()) {
                spec.commandLine().getErr().println("apply would fail:");
                Plans.printProblems(spec.commandLine().getErr(), plan.problems());
                return 1;
            }
            return 0;
        }
    }
}
