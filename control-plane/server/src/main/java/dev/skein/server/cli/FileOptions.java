package dev.skein.server.cli;

import dev.skein.server.policy.PolicyDocument;
import dev.skein.server.policy.PolicyFiles;
import java.util.List;
import picocli.CommandLine.Option;

/** {@code -f FILE|DIR|-}, repeatable. */
final class FileOptions {
    @Option(names = {"-f", "--filename"}, required = true, paramLabel = "FILE|DIR|-",
            description = "policy file (multi-document YAML or JSON), directory of *.yaml/*.yml/*.json, or - for stdin")
    List<String> files;

    List<PolicyDocument> read() {
        return PolicyFiles.read(files, System.in);
    }
}
