package dev.skein.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skein.it.support.EtcdServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Measures {@code skein apply} of 1,000 policies with the real jar (JVM start included) and prints
 * the figure; asserts only that everything was written. etcd's default {@code --max-txn-ops} is 128,
 * so the test etcd needs {@code --chunk-size}; one transaction needs a server with a higher limit.
 */
class ApplyThousandPoliciesIT {
    @TempDir Path dir;

    @Test
    void applyOneThousandPolicies() throws Exception {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 500; i++) {
            if (i > 0) {
                sb.append("---\n");
            }
            sb.append(Docs.destination("svc-" + i, "svc-" + i, "v1", "v2")).append("---\n");
            sb.append(Docs.route("svc-" + i, "svc-" + i, "v1", "90", "v2", "10"));
        }
        Path f = dir.resolve("thousand.yaml");
        Files.writeString(f, sb.toString());
        try (EtcdServer etcd = EtcdServer.started()) {
            Cli.Result refused = Cli.jar(60, "apply", "-f", f.toString(), "--etcd", etcd.endpoint());
            assertThat(refused.code()).isEqualTo(1);
            assertThat(refused.err()).contains("nothing was written", "--chunk-size");

            long start = System.nanoTime();
            Cli.Result r = Cli.jar(60, "apply", "-f", f.toString(), "--etcd", etcd.endpoint(), "--chunk-size", "100");
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertThat(r.code()).as(r.toString()).isZero();
            assertThat(r.out().lines().filter(l -> l.endsWith(" created"))).hasSize(1000);
            String keys = etcd.ctl(Duration.ofSeconds(10), "get", "--prefix", "--keys-only", "/skein/policies/").output();
            assertThat(keys.lines().filter(l -> l.startsWith("/skein/policies/"))).hasSize(1000);

            long startAgain = System.nanoTime();
            Cli.Result again = Cli.jar(60, "apply", "-f", f.toString(), "--etcd", etcd.endpoint());
            long millisAgain = (System.nanoTime() - startAgain) / 1_000_000;
            assertThat(again.out().lines().filter(l -> l.endsWith(" unchanged"))).hasSize(1000);
            System.out.println("skein apply of 1000 policies: " + millis + " ms (created, 10 transactions), "
                    + millisAgain + " ms (all unchanged), JVM start included");
        }
    }
}
