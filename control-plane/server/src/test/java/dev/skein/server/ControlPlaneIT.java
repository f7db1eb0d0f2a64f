package dev.skein.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.skein.it.support.EtcdServer;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two control-plane replicas as separate JVMs ({@code java -jar skein.jar control-plane}) on a
 * real etcd: the leader writes verdicts for policies put with etcdctl; killed with SIGKILL, it is
 * replaced by the other replica, which writes the next verdict.
 */
class ControlPlaneIT {
    private EtcdServer etcd;
    private final List<Process> replicas = new ArrayList<>();
    private final List<Path> logs = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        etcd = EtcdServer.started();
    }

    @AfterEach
    void stop() throws Exception {
        for (Process p : replicas) {
            p.destroyForcibly().waitFor();
        }
        for (Path log : logs) {
            Files.deleteIfExists(log);
        }
        etcd.close();
    }

    private Process replica(String id) throws Exception {
        Path log = Files.createTempFile("skein-cp-" + id, ".log");
        logs.add(log);
        Process p = new ProcessBuilder(Cli.java(), "-jar", Cli.jarPath().toString(), "control-plane", "--id", id,
                "--etcd", etcd.endpoint(), "--lease-ttl", "5")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        replicas.add(p);
        return p;
    }

    private String log(int i) {
        try {
            return Files.readString(logs.get(i));
        } catch (java.io.IOException e) {
            return "";
        }
    }

    private String verdict(String kindAndName) {
        return etcd.getPrefix("/skein/status/policies/default/" + kindAndName);
    }

    @Test
    void leaderWritesVerdictsAndAnotherReplicaTakesOverWhenItIsKilled() throws Exception {
        Process a = replica("cp-a");
        Process b = replica("cp-b");
        await().atMost(Duration.ofSeconds(60)).until(() -> log(0).contains("is the leader") || log(1).contains("is the leader"));
        boolean aLeads = log(0).contains("cp-a is the leader");
        String leader = aLeads ? "cp-a" : "cp-b";
        String follower = aLeads ? "cp-b" : "cp-a";
        assertThat(log(aLeads ? 1 : 0)).doesNotContain("is the leader");

        etcd.put("/skein/policies/default/DestinationPolicy/orders", Docs.destination("orders", "orders", "v1"));
        etcd.put("/skein/policies/default/Route/bad", "spec: {host: bad, http: [{route: [{destination: {subset: v1}, weight: 140}]}]}");
        await().atMost(Duration.ofSeconds(15)).until(() -> verdict("Route/bad").contains("checkedBy"));
        assertThat(verdict("Route/bad")).contains("\"valid\":false", "weight: must be 0..100, got 140", "\"checkedBy\":\"" + leader + "\"");
        await().atMost(Duration.ofSeconds(5)).until(() -> verdict("DestinationPolicy/orders").contains("checkedBy"));
        assertThat(verdict("DestinationPolicy/orders")).contains("\"valid\":true", "\"problems\":[]", "\"checkedBy\":\"" + leader + "\"");
        assertThat(log(aLeads ? 0 : 1)).contains("[skein-control-plane]", "verdict /skein/policies/default/Route/bad");

        // A cross-policy problem: a Route naming a subset the DestinationPolicy does not define.
        etcd.put("/skein/policies/default/Route/orders", Docs.route("orders", "orders", "v7", "100"));
        await().atMost(Duration.ofSeconds(15)).until(() -> verdict("Route/orders").contains("unknown subset v7"));

        (aLeads ? a : b).destroyForcibly().waitFor();
        long killed = System.nanoTime();
        etcd.put("/skein/policies/default/Route/orders", Docs.route("orders", "orders", "v1", "100"));
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100))
                .until(() -> verdict("Route/orders").contains("\"checkedBy\":\"" + follower + "\""));
        long seconds = (System.nanoTime() - killed) / 1_000_000_000;
        assertThat(verdict("Route/orders")).contains("\"valid\":true");
        assertThat(log(aLeads ? 1 : 0)).contains(follower + " is the leader");
        System.out.println("control plane fail-over: next verdict " + seconds + " s after SIGKILL of the leader");

        // Deleting a policy removes its verdict.
        etcd.delete("/skein/policies/default/Route/bad");
        await().atMost(Duration.ofSeconds(10)).until(() -> verdict("Route/bad").isBlank());
    }
}
