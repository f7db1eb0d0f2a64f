package dev.skein.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.skein.it.support.EtcdServer;
import dev.skein.it.support.MeshJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code skein status} and {@code describe} with real agents: two servers under the agent register
 * themselves and report the policy revision they applied; after an apply both catch up.
 */
class StatusWithAgentsIT {
    @TempDir Path dir;

    @Test
    void statusShowsRealAgentsAndTheRevisionTheyApplied() throws Exception {
        try (EtcdServer etcd = EtcdServer.started();
                MeshJvm v1 = server(etcd, "v1");
                MeshJvm v2 = server(etcd, "v2")) {
            Cli cli = new Cli(etcd.endpoint());
            Path f = dir.resolve("orders.yaml");
            Files.writeString(f, Docs.join(Docs.destination("orders", "orders", "v1", "v2"),
                    Docs.route("orders", "orders", "v1", "50", "v2", "50")));
            assertThat(cli.run("apply", "-f", f.toString()).code()).isZero();
            long revision = Long.parseLong(etcd.ctl(Duration.ofSeconds(5), "get", "/skein/policies/default/Route/orders",
                    "-w", "fields").output().lines().filter(l -> l.startsWith("\"ModRevision\""))
                    .findFirst().orElseThrow().replaceAll("\\D", ""));

            Pattern agentRow = Pattern.compile("default\\s+orders\\s+orders-\\d+\\s+\\d+\\s+(\\d+)\\s+yes");
            String[] last = {""};
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(300))
                    .conditionEvaluationListener(c -> { if (c.getRemainingTimeInMS() < 400) System.out.println(last[0]); })
                    .until(() -> {
                last[0] = cli.run("status").out();
                Matcher m = agentRow.matcher(last[0]);
                int inSync = 0;
                while (m.find()) {
                    if (Long.parseLong(m.group(1)) >= revision) {
                        inSync++;
                    }
                }
                return inSync == 2;
            });
            Cli.Result status = cli.run("status");
            assertThat(status.out()).contains("AGENTS (2;").containsPattern("version=v1").containsPattern("version=v2");

            Cli.Result describe = cli.run("describe", "service", "orders");
            assertThat(describe.out()).containsPattern("v1  version=v1  endpoints: orders-\\d+-\\d+ \\(")
                    .containsPattern("v2  version=v2  endpoints: orders-\\d+-\\d+ \\(");
        }
    }

    private static MeshJvm server(EtcdServer etcd, String version) throws Exception {
        MeshJvm jvm = MeshJvm.builder("orders-" + version)
                .property("skein.service", "orders")
                .property("skein.labels", "version=" + version)
                .property("skein.etcd.endpoints", etcd.endpoint())
                .env("ECHO_VERSION", version)
                .start("dev.skein.it.apps.EchoServer");
        jvm.awaitLineStartingWith("listening", Duration.ofSeconds(30));
        return jvm;
    }
}
