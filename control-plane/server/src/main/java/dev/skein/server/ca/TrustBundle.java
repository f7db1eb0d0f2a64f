package dev.skein.server.ca;

import dev.skein.api.KeyLayout;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.PutOption;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The trust bundle at {@code <prefix>/ca/bundle}: PEM roots every agent trusts. Publishing adds
 * this CA's roots beside those already there, so that a new root can roll out next to the old
 * one (agents keep trusting both until the operator removes the old root).
 */
public final class TrustBundle {
    private TrustBundle() {}

    /** {@code <prefix>/ca/bundle}. */
    public static String key(KeyLayout layout) {
        return layout.caPrefix() + "bundle";
    }

    /**
     * Adds the roots to the published bundle (compare-and-swap on the key's revision).
     *
     * @return true when the bundle changed
     */
    public static boolean publish(Client client, KeyLayout layout, List<X509Certificate> roots) throws Exception {
        ByteSequence key = ByteSequence.from(key(layout), StandardCharsets.UTF_8);
        for (int attempt = 0; attempt < 5; attempt++) {
            List<KeyValue> kvs = client.getKVClient().get(key).get(10, TimeUnit.SECONDS).getKvs();
            long modRevision = kvs.isEmpty() ? 0 : kvs.get(0).getModRevision();
            LinkedHashSet<X509Certificate> merged = new LinkedHashSet<>();
            if (!kvs.isEmpty()) {
                merged.addAll(Pem.certificates(kvs.get(0).getValue().toString(StandardCharsets.UTF_8)));
            }
            int before = merged.size();
            merged.addAll(roots);
            if (merged.size() == before && !kvs.isEmpty()) {
                return false;
            }
            String pem = Pem.encode(new ArrayList<>(merged).toArray());
            boolean swapped = client.getKVClient().txn()
                    .If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.modRevision(modRevision)))
                    .Then(Op.put(key, ByteSequence.from(pem, StandardCharsets.UTF_8), PutOption.DEFAULT))
                    .commit().get(10, TimeUnit.SECONDS).isSucceeded();
            if (swapped) {
                return true;
            }
        }
        throw new IllegalStateException("the trust bundle kept changing while it was being published");
    }
}
