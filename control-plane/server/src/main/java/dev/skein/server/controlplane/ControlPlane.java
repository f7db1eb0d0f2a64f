package dev.skein.server.controlplane;

import dev.skein.api.KeyLayout;
import dev.skein.server.etcd.Etcd;
import dev.skein.server.policy.StoredPolicies;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.election.LeaderKey;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The control-plane server: every replica keeps a copy of the policies (read at a revision, then
 * watched from the next one, re-read when the watch breaks or the revision was compacted); the
 * elected leader judges them and writes one verdict per policy under {@code /skein/status/policies/}.
 * Every verdict write is guarded by the leader's election key, so a deposed leader writes nothing.
 * Nothing here is on the request path: agents validate for themselves; verdicts are for operators.
 */
public final class ControlPlane implements AutoCloseable {
    /** etcd's default --max-txn-ops is 128: write verdicts in transactions below it. */
    private static final int MAX_OPS_PER_TXN = 100;

    private final Client client;
    private final KeyLayout layout;
    private final String replicaId;
    private final LeaderElection election;
    private final Map<String, StoredPolicies.Stored> policies = new ConcurrentHashMap<>();
    private final Semaphore dirty = new Semaphore(0);
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean closed;
    private volatile long verdictsWritten;

    public ControlPlane(Client client, KeyLayout layout, String replicaId, long leaseTtlSeconds) {
        this.client = client;
        this.layout = layout;
        this.replicaId = replicaId;
        this.election = new LeaderElection(client, layout.prefix() + "/election/control-plane", replicaId,
                leaseTtlSeconds, this::changed);
    }

    /** Starts the watch, the election and the judge on their own threads. */
    public void start() {
        Log.info("replica " + replicaId + " starting, watching " + layout.policiesPrefix());
        threads.add(thread("skein-cp-watch", this::watchLoop));
        threads.add(thread("skein-cp-election", election));
        threads.add(thread("skein-cp-judge", this::judgeLoop));
    }

    /** The key this replica leads with (the guard of leader-only writes), or null when it does not lead. */
    public LeaderKey leaderKey() {
        return election.leaderKey();
    }

    /** True while this replica leads. */
    public boolean isLeader() {
        return election.leaderKey() != null;
    }

    public String replicaId() {
        return replicaId;
    }

    public long verdictsWritten() {
        return verdictsWritten;
    }

    public int policyCount() {
        return policies.size();
    }

    private Thread thread(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    private void changed() {
        dirty.release();
    }

    // === watch ===

    private void watchLoop() {
        long backoff = 100;
        while (!closed) {
            try {
                long revision = resync();
                backoff = 100;
                watchUntilBroken(revision);
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                if (closed) {
                    return;
                }
                Log.warn("cannot read policies from etcd: " + Etcd.rootMessage(e) + "; retrying");
                sleep(backoff);
                backoff = Math.min(backoff * 2, 5000);
            }
        }
    }

    private long resync() throws Exception {
        GetResponse r = client.getKVClient().get(Etcd.bytes(layout.policiesPrefix()), GetOption.builder().isPrefix(true).build())
                .get(10, TimeUnit.SECONDS);
        Map<String, StoredPolicies.Stored> fresh = new LinkedHashMap<>();
        for (KeyValue kv : r.getKvs()) {
            String key = kv.getKey().toString(StandardCharsets.UTF_8);
            StoredPolicies.of(layout, key, kv.getValue().getBytes(), kv.getModRevision()).ifPresent(s -> fresh.put(key, s));
        }
        policies.keySet().retainAll(fresh.keySet());
        policies.putAll(fresh);
        long revision = r.getHeader().getRevision();
        Log.info("read " + fresh.size() + " policies at revision " + revision);
        changed();
        return revision;
    }

    private void watchUntilBroken(long revision) throws InterruptedException {
        CountDownLatch broken = new CountDownLatch(1);
        Watch.Listener listener = Watch.listener(this::onWatch, error -> {
            if (!closed) {
                Log.info("watch ended (" + Etcd.rootMessage(error) + "), re-reading the policies");
            }
            broken.countDown();
        }, broken::countDown);
        WatchOption option = WatchOption.builder().isPrefix(true).withRevision(revision + 1).build();
        try (Watch.Watcher w = client.getWatchClient().watch(Etcd.bytes(layout.policiesPrefix()), option, listener)) {
            while (!closed && !broken.await(1, TimeUnit.SECONDS)) {
                // The listener does the work.
            }
        }
    }

    private void onWatch(WatchResponse response) {
        for (WatchEvent e : response.getEvents()) {
            KeyValue kv = e.getKeyValue();
            String key = kv.getKey().toString(StandardCharsets.UTF_8);
            if (e.getEventType() == WatchEvent.EventType.DELETE) {
                policies.remove(key);
            } else {
                StoredPolicies.of(layout, key, kv.getValue().getBytes(), kv.getModRevision())
                        .ifPresent(s -> policies.put(key, s));
            }
        }
        changed();
    }

    // === judge ===

    private void judgeLoop() {
        while (!closed) {
            try {
                // Periodically too: a leader that just took over may find stale verdicts to correct.
                dirty.tryAcquire(5, TimeUnit.SECONDS);
                dirty.drainPermits();
                LeaderKey leader = election.leaderKey();
                if (leader != null && !closed) {
                    judgeAndWrite(leader);
                }
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                if (!closed) {
                    Log.warn("cannot write verdicts: " + Etcd.rootMessage(e) + "; retrying");
                    sleep(500);
                    changed();
                }
            }
        }
    }

    private void judgeAndWrite(LeaderKey leader) throws Exception {
        Map<String, PolicyJudge.Verdict> verdicts = PolicyJudge.judge(new LinkedHashMap<>(policies));
        GetResponse existing = client.getKVClient()
                .get(Etcd.bytes(layout.policyStatusPrefix()), GetOption.builder().isPrefix(true).build())
                .get(10, TimeUnit.SECONDS);
        Map<String, String> written = new LinkedHashMap<>();
        for (KeyValue kv : existing.getKvs()) {
            written.put(kv.getKey().toString(StandardCharsets.UTF_8), kv.getValue().toString(StandardCharsets.UTF_8));
        }
        List<Op> ops = new ArrayList<>();
        List<String> logLines = new ArrayList<>();
        for (Map.Entry<String, PolicyJudge.Verdict> e : verdicts.entrySet()) {
            StoredPolicies.Stored s = policies.get(e.getKey());
            if (s == null) {
                continue;
            }
            String statusKey = layout.policyStatusKey(s.ref());
            PolicyJudge.Verdict v = e.getValue();
            if (sameVerdict(written.remove(statusKey), v)) {
                continue;
            }
            ops.add(Op.put(Etcd.bytes(statusKey), Etcd.bytes(v.json(replicaId)), PutOption.DEFAULT));
            logLines.add(e.getKey() + " at revision " + v.revision() + ": "
                    + (v.valid() ? "valid" : "invalid: " + String.join("; ", v.problems())));
        }
        // Verdicts of policies that no longer exist.
        for (String stale : written.keySet()) {
            ops.add(Op.delete(Etcd.bytes(stale), DeleteOption.DEFAULT));
        }
        Cmp stillLeader = new Cmp(leader.getKey(), Cmp.Op.EQUAL, CmpTarget.createRevision(leader.getRevision()));
        for (int from = 0; from < ops.size(); from += MAX_OPS_PER_TXN) {
            List<Op> batch = ops.subList(from, Math.min(ops.size(), from + MAX_OPS_PER_TXN));
            TxnResponse r = client.getKVClient().txn().If(stillLeader).Then(batch.toArray(new Op[0])).commit()
                    .get(10, TimeUnit.SECONDS);
            if (!r.isSucceeded()) {
                election.lostLeadership();
                return;
            }
            verdictsWritten += batch.size();
        }
        logLines.forEach(l -> Log.info("verdict " + l));
    }

    private static boolean sameVerdict(String json, PolicyJudge.Verdict v) {
        if (json == null) {
            return false;
        }
        try {
            var node = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json);
            List<String> problems = new ArrayList<>();
            node.path("problems").forEach(p -> problems.add(p.asText()));
            return node.path("valid").asBoolean(!v.valid()) == v.valid()
                    && node.path("revision").asLong(-1) == v.revision()
                    && problems.equals(v.problems());
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        closed = true;
        election.close();
        for (Thread t : threads) {
            // The election thread notices the flag within a second and revokes its lease, so
            // that another replica takes over at once; interrupting it would skip the revoke.
            if (!t.getName().equals("skein-cp-election")) {
                t.interrupt();
            }
        }
        for (Thread t : threads) {
            try {
                t.join(3000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        Log.info("replica " + replicaId + " stopped");
    }
}
