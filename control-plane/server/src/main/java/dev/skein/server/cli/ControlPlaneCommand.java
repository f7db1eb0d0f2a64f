package dev.skein.server.cli;

import dev.skein.server.UserException;
import dev.skein.server.ca.CaFiles;
import dev.skein.server.ca.CertificateAuthority;
import dev.skein.server.ca.CsrSigner;
import dev.skein.server.controlplane.AdminServer;
import dev.skein.server.controlplane.Log;
import dev.skein.server.controlplane.ControlPlane;
import dev.skein.server.dashboard.Dashboard;
import dev.skein.server.etcd.Etcd;
import io.etcd.jetcd.Client;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code skein control-plane}: the long-running server; run several replicas for high availability. */
@Command(name = "control-plane", description = "Run the control plane: validates every policy in etcd and writes "
        + "verdicts under <prefix>/status/policies/. Several replicas elect a leader through etcd.")
final class ControlPlaneCommand implements Callable<Integer> {
    @ParentCommand SkeinCommand skein;

    @Option(names = "--admin-port", paramLabel = "PORT", description = "loopback admin endpoint (/healthz, /status); off when unset")
    Integer adminPort;

    @Option(names = "--id", description = "this replica's name in verdicts and logs (default: host-pid)")
    String id;

    @Option(names = "--lease-ttl", defaultValue = "5", paramLabel = "SECONDS",
            description = "leader lease TTL: a dead leader is replaced within it (default ${DEFAULT-VALUE})")
    long leaseTtl;

    @Option(names = "--ca-dir", paramLabel = "DIR", description = "the CA made by `skein ca init`: sign workload "
            + "certificates while leader; without it the control plane signs nothing")
    java.nio.file.Path caDir;

    @Option(names = "--cert-ttl", defaultValue = "24h", paramLabel = "DURATION",
            description = "lifetime of workload certificates, e.g. 24h, 20s (default ${DEFAULT-VALUE})")
    String certTtl;

    @Option(names = "--dashboard-port", paramLabel = "PORT", description = "web dashboard (service graph with live "
            + "traffic, policies and verdicts) on --dashboard-address:PORT; off when unset")
    Integer dashboardPort;

    @Option(names = "--dashboard-address", defaultValue = "127.0.0.1", paramLabel = "ADDRESS",
            description = "address the dashboard listens on (default ${DEFAULT-VALUE})")
    String dashboardAddress;

    @Override
    public Integer call() throws Exception {
        java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.SEVERE);
        String replica = id != null ? id : hostName() + "-" + ProcessHandle.current().pid();
        Client client = Etcd.builder(skein.settings(), Duration.ofSeconds(10)).build();
        ControlPlane cp = new ControlPlane(client, skein.layout(), replica, leaseTtl);
        AdminServer admin = null;
        if (adminPort != null) {
            try {
                admin = new AdminServer(adminPort, cp);
            } catch (IOException e) {
                client.close();
                throw new UserException("cannot listen on 127.0.0.1:" + adminPort + ": " + e.getMessage());
            }
        }
        CountDownLatch stopped = new CountDownLatch(1);
        AdminServer adminServer = admin;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            cp.close();
            if (adminServer != null) {
                adminServer.close();
            }
            client.close();
            stopped.countDown();
        }, "skein-cp-shutdown"));
        Dashboard dashboard = startDashboard();
        if (dashboard != null) {
            Runtime.getRuntime().addShutdownHook(new Thread(dashboard::close, "skein-cp-dashboard-shutdown"));
        }
        CsrSigner signer = startSigner(client, cp);
        if (signer != null) {
            Runtime.getRuntime().addShutdownHook(new Thread(signer::close, "skein-cp-ca-shutdown"));
        }
        cp.start();
        stopped.await();
        return 0;
    }

    /** The web dashboard when --dashboard-port is given, else null. */
    private Dashboard startDashboard() {
        if (dashboardPort == null) {
            return null;
        }
        try {
            Dashboard d = new Dashboard(skein.connect(), skein.layout(), new InetSocketAddress(dashboardAddress, dashboardPort), 3);
            d.start();
            return d;
        } catch (IOException e) {
            throw new UserException("cannot listen on " + dashboardAddress + ":" + dashboardPort + ": " + e.getMessage());
        }
    }

    /** The CSR signer when --ca-dir names a CA, else null (one log line says so). */
    private CsrSigner startSigner(Client client, ControlPlane cp) {
        if (caDir == null) {
            Log.info("no --ca-dir: this control plane does not sign workload certificates");
            return null;
        }
        java.time.Duration ttl;
        try {
            ttl = dev.skein.api.Durations.parse(certTtl);
        } catch (RuntimeException e) {
            throw new UserException("--cert-ttl: " + e.getMessage());
        }
        CertificateAuthority ca;
        try {
            ca = CertificateAuthority.load(new CaFiles(caDir));
        } catch (IOException | RuntimeException e) {
            throw new UserException("cannot load the CA from " + caDir + " (run `skein ca init --dir " + caDir + "`): " + e);
        }
        CsrSigner signer = new CsrSigner(client, skein.layout(), ca, ttl, cp::leaderKey);
        signer.start();
        return signer;
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "control-plane";
        }
    }
}
