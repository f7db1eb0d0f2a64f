package dev.skein.server.cli;

import dev.skein.api.KeyLayout;
import dev.skein.server.etcd.Etcd;
import dev.skein.server.etcd.EtcdSettings;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** The {@code skein} command: global etcd options, inherited by every subcommand. */
@Command(name = "skein", mixinStandardHelpOptions = true, version = "skein 0.1.0",
        description = "Operate a Skein mesh: policies in etcd, status of agents, the control plane.",
        subcommands = {ApplyCommand.class, ValidateCommand.class, DiffCommand.class, GetCommand.class,
                DeleteCommand.class, StatusCommand.class, DescribeCommand.class, CaCommand.class,
                ControlPlaneCommand.class, picocli.CommandLine.HelpCommand.class})
public final class SkeinCommand {
    @Option(names = "--etcd", scope = ScopeType.INHERIT, split = ",", paramLabel = "URL",
            defaultValue = "${env:SKEIN_ETCD_ENDPOINTS:-http://127.0.0.1:2379}",
            description = "etcd endpoints, comma-separated (env SKEIN_ETCD_ENDPOINTS; default ${DEFAULT-VALUE})")
    List<String> endpoints;

    @Option(names = "--prefix", scope = ScopeType.INHERIT, defaultValue = "${env:SKEIN_ETCD_PREFIX:-/skein}",
            description = "key prefix (env SKEIN_ETCD_PREFIX; default ${DEFAULT-VALUE})")
    String prefix;

    @Option(names = "--user", scope = ScopeType.INHERIT, defaultValue = "${env:SKEIN_ETCD_USER}",
            description = "etcd user (env SKEIN_ETCD_USER)")
    String user;

    @Option(names = "--password", scope = ScopeType.INHERIT, defaultValue = "${env:SKEIN_ETCD_PASSWORD}",
            description = "etcd password (env SKEIN_ETCD_PASSWORD)")
    String password;

    @Option(names = "--cacert", scope = ScopeType.INHERIT, description = "PEM trust anchors of a TLS etcd")
    Path caCert;

    @Option(names = "--cert", scope = ScopeType.INHERIT, description = "PEM client certificate for etcd")
    Path cert;

    @Option(names = "--key", scope = ScopeType.INHERIT, description = "PEM (PKCS#8) private key of --cert")
    Path key;

    EtcdSettings settings() {
        return new EtcdSettings(endpoints, prefix, blankToNull(user), password, caCert, cert, key);
    }

    KeyLayout layout() {
        return new KeyLayout(prefix);
    }

    Etcd connect() {
        return Etcd.connect(settings());
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
