package dev.skein.server.cli;

import dev.skein.server.UserException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code skein ca ...}: the mesh certificate authority. */
@Command(name = "ca", description = "The mesh certificate authority.", subcommands = CaCommand.Init.class)
final class CaCommand {
    /** {@code skein ca init}: not available in this version. */
    @Command(name = "init", description = "Create the mesh CA (not available yet).")
    static final class Init implements Callable<Integer> {
        @Override
        public Integer call() {
            // The certificate authority is its own piece of work; say so rather than pretend.
            throw new UserException("ca init is not available in this version: mutual TLS and the certificate "
                    + "authority are not implemented yet");
        }
    }
}
