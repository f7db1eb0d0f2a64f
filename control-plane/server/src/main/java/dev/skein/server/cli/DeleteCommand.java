package dev.skein.server.cli;

import dev.skein.api.PolicyKind;
import dev.skein.api.PolicyRef;
import dev.skein.server.UserException;
import dev.skein.server.etcd.Etcd;
import dev.skein.server.policy.Kinds;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code skein delete KIND NAME}. */
@Command(name = "delete", description = "Delete one policy.")
final class DeleteCommand implements Callable<Integer> {
    @ParentCommand SkeinCommand skein;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "KIND")
    String kind;

    @Parameters(index = "1", paramLabel = "NAME")
    String name;

    @Option(names = {"-n", "--namespace"}, defaultValue = "default", description = "namespace (default ${DEFAULT-VALUE})")
    String namespace;

    @Override
    public Integer call() {
        PolicyKind k = Kinds.parse(kind).orElseThrow(() -> new UserException("delete needs one kind, not all"));
        PolicyRef ref = new PolicyRef(namespace, k, name);
        String key;
        try {
            key = skein.layout().policyKey(ref);
        } catch (IllegalArgumentException e) {
            throw new UserException(e.getMessage());
        }
        try (Etcd etcd = skein.connect()) {
            if (etcd.delete(key) == 0) {
                throw new UserException(k + " " + namespace + "/" + name + " not found");
            }
        }
        spec.commandLine().getOut().println(Kinds.display(ref, "default") + " deleted");
        spec.commandLine().getOut().flush();
        return 0;
    }
}
