package dev.skein.server.ca;

import dev.skein.api.KeyLayout;
import dev.skein.server.controlplane.Log;
import dev.skein.server.etcd.Etcd;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.election.LeaderKey;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;

/**
 * Signs workload certificates, on the leader only: reads and watches
 * {@code <prefix>/csr/<ns>/<service>/<instance>}, and for every CSR whose public key has no
 * certificate yet writes the chain at {@code <prefix>/certs/<ns>/<service>/<instance>}.
 *
 * <p>The SPIFFE ID comes from the key path: etcd's role-based access decides who may write
 * under {@code csr/<ns>/<service>/}, which is the attestation. The certificate goes when its CSR
 * goes (the agent stopped, or its lease expired): on the CSR's delete event, and at each resync for
 * a CSR that went while no leader watched. It is not written under the CSR's lease: under etcd
 * auth, etcd refuses a put under a lease to a user who may not write every key attached to it, so
 * a certificate there would make the agent's own next writes under its lease fail (its endpoint's
 * {@code "tls"} flag), and the certificate would leave with the lease the agent then gives up.
 * Every write is guarded by the leader's election key: a deposed leader writes nothing.
 */
public final class CsrSigner implements Runnable, AutoCloseable {
    private static final Pattern LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

    private final Client client;
    private final KeyLayout layout;
    private final CertificateAuthority ca;
    private final Duration ttl;
    private final Supplier<LeaderKey> leader;
    private final LinkedBlockingQueue<KeyValue> work = new LinkedBlockingQueue<>();
    private volatile boolean closed;
    private volatile long issued;
    private Thread thread;

    public CsrSigner(Client client, KeyLayout layout, CertificateAuthority ca, Duration ttl, Supplier<LeaderKey> leader) {
        this.client = client;
        this.layout = layout;
        this.ca = ca;
        this.ttl = ttl;
        this.leader = leader;
    }

    /** Starts the signing thread. */
    public void start() {
        Log.info("certificate authority for trust domain " + ca.trustDomain() + ": signing CSRs under "
                + layout.csrPrefix() + " while leader, certificate lifetime " + dev.skein.api.Durations.format(ttl));
        thread = new Thread(this, "skein-cp-ca");
        thread.setDaemon(true);
        thread.start();
    }

    /** Certificates issued by this replica. */
    public long issued() {
        return issued;
    }

    @Override
    public void run() {
        while (!closed) {
            LeaderKey key = leader.get();
            if (key == null) {
                sleep(500);
                continue;
            }
            try {
                TrustBundle.publish(client, layout, ca.roots());
                long revision = resync(key);
                signWhileLeading(key, revision);
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                if (!closed) {
                    Log.warn("certificate authority: " + Etcd.rootMessage(e) + "; retrying");
                    sleep(1000);
                }
            }
        }
    }

    private long resync(LeaderKey key) throws Exception {
        GetResponse r = client.getKVClient().get(bytes(layout.csrPrefix()), GetOption.builder().isPrefix(true).build())
                .get(10, TimeUnit.SECONDS);
        java.util.Set<String> instances = new java.util.HashSet<>();
        for (KeyValue kv : r.getKvs()) {
            instances.add(kv.getKey().toString(StandardCharsets.UTF_8).substring(layout.csrPrefix().length()));
            handle(kv, key);
        }
        // Certificates whose CSR went while no leader watched.
        GetResponse certs = client.getKVClient()
                .get(bytes(layout.certsPrefix()), GetOption.builder().isPrefix(true).withKeysOnly(true).build())
                .get(10, TimeUnit.SECONDS);
        for (KeyValue kv : certs.getKvs()) {
            String certKey = kv.getKey().toString(StandardCharsets.UTF_8);
            if (!instances.contains(certKey.substring(layout.certsPrefix().length()))) {
                guarded(key, Op.delete(kv.getKey(), DeleteOption.DEFAULT));
            }
        }
        return r.getHeader().getRevision();
    }

    /**
     * Watches the CSRs from the revision after the resync while {@code term} lasts. It returns, for
     * {@link #run} to resync, when the watch breaks, when this replica stops leading or leads
     * again under a new key, and when a write is refused: a CSR taken from the queue just as the
     * lease lapsed would otherwise be lost until its agent gave up waiting.
     */
    private void signWhileLeading(LeaderKey term, long revision) throws Exception {
        work.clear(); // events of an earlier term: the resync just read what they said
        java.util.concurrent.atomic.AtomicBoolean broken = new java.util.concurrent.atomic.AtomicBoolean();
        Watch.Listener listener = Watch.listener(response -> {
            // A delete arrives with an empty value: handle() removes the certificate then.
            response.getEvents().forEach(e -> work.add(e.getKeyValue()));
        }, error -> broken.set(true), () -> broken.set(true));
        WatchOption option = WatchOption.builder().isPrefix(true).withRevision(revision + 1).build();
        try (Watch.Watcher w = client.getWatchClient().watch(bytes(layout.csrPrefix()), option, listener)) {
            while (!closed && !broken.get()) {
                if (leader.get() != term) {
                    return;
                }
                KeyValue kv = work.poll(500, TimeUnit.MILLISECONDS);
                if (kv != null && !handle(kv, term)) {
                    Log.info("certificate authority: a write was refused (no longer the leader); resyncing the CSRs when leading");
                    return;
                }
            }
        }
    }

    /** Signs or removes for one CSR key; false when a write was refused because {@code key} no longer leads. */
    private boolean handle(KeyValue kv, LeaderKey key) throws Exception {
        String csrKey = kv.getKey().toString(StandardCharsets.UTF_8);
        String[] parts = csrKey.substring(layout.csrPrefix().length()).split("/", -1);
        if (parts.length != 3 || !LABEL.matcher(parts[0]).matches() || !LABEL.matcher(parts[1]).matches() || parts[2].isEmpty()) {
            Log.warn("ignoring " + csrKey + ": not <ns>/<service>/<instance> with DNS-1123 names");
            return true;
        }
        String certKey = layout.certsPrefix() + parts[0] + "/" + parts[1] + "/" + parts[2];
        if (kv.getValue().isEmpty()) {
            // The CSR is gone (the agent stopped): its certificate goes too, if the lease has not taken it.
            return guarded(key, Op.delete(bytes(certKey), DeleteOption.DEFAULT));
        }
        PKCS10CertificationRequest csr;
        try {
            csr = Pem.csr(kv.getValue().toString(StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            Log.warn("ignoring " + csrKey + ": " + e.getMessage());
            return true;
        }
        if (alreadyIssued(certKey, csr)) {
            return true;
        }
        List<X509Certificate> chain;
        try {
            chain = ca.issue(csr, parts[0], parts[1], ttl);
        } catch (IllegalArgumentException e) {
            Log.warn("refusing " + csrKey + ": " + e.getMessage());
            return true;
        }
        if (!guarded(key, Op.put(bytes(certKey), bytes(Pem.encode(chain.toArray())), PutOption.DEFAULT))) {
            return false;
        }
        issued++;
        X509Certificate leaf = chain.get(0);
        Log.info("issued " + ca.spiffeId(parts[0], parts[1]) + " to " + parts[2] + ", serial "
                + leaf.getSerialNumber().toString(16) + ", expires " + leaf.getNotAfter().toInstant());
        return true;
    }

    /** True when the certificate at the key already certifies the CSR's public key (a resync, a rewrite). */
    private boolean alreadyIssued(String certKey, PKCS10CertificationRequest csr) throws Exception {
        List<KeyValue> kvs = client.getKVClient().get(bytes(certKey)).get(10, TimeUnit.SECONDS).getKvs();
        if (kvs.isEmpty()) {
            return false;
        }
        try {
            List<X509Certificate> existing = Pem.certificates(kvs.get(0).getValue().toString(StandardCharsets.UTF_8));
            return !existing.isEmpty()
                    && Arrays.equals(existing.get(0).getPublicKey().getEncoded(), csr.getSubjectPublicKeyInfo().getEncoded())
                    && existing.get(0).getNotAfter().getTime() > System.currentTimeMillis();
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private boolean guarded(LeaderKey key, Op op) throws Exception {
        Cmp stillLeader = new Cmp(key.getKey(), Cmp.Op.EQUAL, CmpTarget.createRevision(key.getRevision()));
        return client.getKVClient().txn().If(stillLeader).Then(op).commit().get(10, TimeUnit.SECONDS).isSucceeded();
    }

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    private void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closed = true;
        }
    }

    @Override
    public void close() {
        closed = true;
        if (thread != null) {
            thread.interrupt();
        }
    }
}
