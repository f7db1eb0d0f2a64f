package dev.skein.server.policy;

import dev.skein.server.UserException;
import dev.skein.server.etcd.Etcd;
import dev.skein.server.etcd.EtcdUnreachableException;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.PutOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes the changes of an {@link ApplyPlan} in one etcd transaction, guarded by the revision each
 * key had when the plan was made: when anyone changed one of them meanwhile, nothing is written.
 * Agents therefore never see half of a multi-document apply.
 */
public final class PolicyWriter {
    private PolicyWriter() {}

    /**
     * @param chunk when positive, write in transactions of at most this many keys (each one atomic,
     *              the whole not): for etcd servers whose {@code --max-txn-ops} is below the change count
     */
    public static void write(Etcd etcd, List<ApplyPlan.Change> writes, int chunk) {
        if (writes.isEmpty()) {
            return;
        }
        int size = chunk > 0 ? chunk : writes.size();
        for (int from = 0; from < writes.size(); from += size) {
            writeOne(etcd, writes.subList(from, Math.min(writes.size(), from + size)), chunk > 0);
        }
    }

    private static void writeOne(Etcd etcd, List<ApplyPlan.Change> writes, boolean chunked) {
        List<Cmp> guards = new ArrayList<>(writes.size());
        List<Op> puts = new ArrayList<>(writes.size());
        for (ApplyPlan.Change c : writes) {
            guards.add(new Cmp(Etcd.bytes(c.key()), Cmp.Op.EQUAL, CmpTarget.modRevision(c.modRevision())));
            puts.add(Op.put(Etcd.bytes(c.key()), Etcd.bytes(c.newText()), PutOption.DEFAULT));
        }
        TxnResponse r;
        try {
            r = etcd.txn(guards, puts);
        } catch (EtcdUnreachableException e) {
            if (e.getMessage().contains("too many operations")) {
                throw new UserException("etcd refused " + writes.size() + " changes in one transaction (its --max-txn-ops, "
                        + "128 by default, is lower); nothing was written. Raise --max-txn-ops on the etcd servers, "
                        + "or pass --chunk-size 100 to write in several transactions (not atomically)");
            }
            throw e;
        }
        if (!r.isSucceeded()) {
            throw new UserException("policies changed in etcd while applying; nothing was written"
                    + (chunked ? " by the last transaction" : "") + ": run the command again");
        }
    }
}
