package dev.skein.server.controlplane;

import dev.skein.server.etcd.Etcd;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.election.CampaignResponse;
import io.etcd.jetcd.election.LeaderKey;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.lease.LeaseTimeToLiveResponse;
import io.etcd.jetcd.options.LeaseOption;
import io.etcd.jetcd.support.CloseableClient;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Leader election among control-plane replicas with etcd's election API: each replica campaigns
 * on a lease with a short TTL; the holder of the oldest key leads. A leader that dies stops
 * renewing its lease, etcd deletes its key when the TTL runs out, and the next replica's campaign
 * completes. A leader that cannot renew its lease (partitioned from etcd) steps down by itself.
 */
final class LeaderElection implements Runnable {
    private final Client client;
    private final ByteSequence electionName;
    private final String replicaId;
    private final long ttlSeconds;
    private final Runnable onElected;
    private volatile LeaderKey leaderKey;
    private volatile boolean closed;

    LeaderElection(Client client, String electionName, String replicaId, long ttlSeconds, Runnable onElected) {
        this.client = client;
        this.electionName = Etcd.bytes(electionName);
        this.replicaId = replicaId;
        this.ttlSeconds = ttlSeconds;
        this.onElected = onElected;
    }

    /** The key this replica leads with, or null when it does not lead: the guard of every write. */
    LeaderKey leaderKey() {
        return leaderKey;
    }

    /** Called when a guarded write finds that this replica no longer holds the election key. */
    void lostLeadership() {
        if (leaderKey != null) {
            Log.warn(replicaId + " is no longer the leader");
        }
        leaderKey = null;
    }

    @Override
    public void run() {
        long backoff = 200;
        while (!closed) {
            long lease = 0;
            CloseableClient keepAlive = null;
            try {
                lease = client.getLeaseClient().grant(ttlSeconds).get(5, TimeUnit.SECONDS).getID();
                keepAlive = client.getLeaseClient().keepAlive(lease, new StreamObserver<LeaseKeepAliveResponse>() {
                    @Override
                    public void onNext(LeaseKeepAliveResponse value) {}

                    @Override
                    public void onError(Throwable t) {}

                    @Override
                    public void onCompleted() {}
                });
                Log.info(replicaId + " campaigning for leadership (lease TTL " + ttlSeconds + "s)");
                CompletableFuture<CampaignResponse> campaign =
                        client.getElectionClient().campaign(electionName, lease, Etcd.bytes(replicaId));
                CampaignResponse won = awaitCampaign(campaign, lease);
                if (won == null) {
                    continue;
                }
                leaderKey = won.getLeader();
                Log.info(replicaId + " is the leader");
                backoff = 200;
                onElected.run();
                holdWhileLeaseLives(lease);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                if (!closed) {
                    Log.warn("election: " + Etcd.rootMessage(e) + "; retrying");
                    sleep(backoff);
                    backoff = Math.min(backoff * 2, 3000);
                }
            } finally {
                if (leaderKey != null && !closed) {
                    Log.warn(replicaId + " lost its lease, stepping down");
                }
                leaderKey = null;
                if (keepAlive != null) {
                    keepAlive.close();
                }
                if (lease != 0 && closed) {
                    // Resign fast on a clean stop: the next replica need not wait for the TTL.
                    try {
                        client.getLeaseClient().revoke(lease).get(2, TimeUnit.SECONDS);
                    } catch (Exception ignored) {
                        // The TTL ends it anyway.
                    }
                }
            }
        }
    }

    /** Waits for the campaign while checking that the lease still lives; null when it died. */
    private CampaignResponse awaitCampaign(CompletableFuture<CampaignResponse> campaign, long lease) throws Exception {
        while (!closed) {
            try {
                return campaign.get(1, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                if (leaseState(lease) == LeaseState.EXPIRED) {
                    campaign.cancel(true);
                    return null;
                }
            }
        }
        campaign.cancel(true);
        return null;
    }

    /** Returns when the lease can no longer be confirmed within its TTL, or on close. */
    private void holdWhileLeaseLives(long lease) throws InterruptedException {
        long lastConfirmed = System.nanoTime();
        while (!closed && leaderKey != null) {
            Thread.sleep(500);
            if (leaseState(lease) == LeaseState.ALIVE) {
                lastConfirmed = System.nanoTime();
            } else if (System.nanoTime() - lastConfirmed > TimeUnit.SECONDS.toNanos(ttlSeconds) / 2) {
                // Half the TTL without confirmation: another replica may lead soon; stop writing now.
                return;
            }
        }
    }

    private enum LeaseState { ALIVE, EXPIRED, UNKNOWN }

    private LeaseState leaseState(long lease) {
        try {
            LeaseTimeToLiveResponse r = client.getLeaseClient().timeToLive(lease, LeaseOption.DEFAULT).get(1, TimeUnit.SECONDS);
            return r.getTTL() > 0 ? LeaseState.ALIVE : LeaseState.EXPIRED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return LeaseState.UNKNOWN;
        } catch (Exception e) {
            return LeaseState.UNKNOWN;
        }
    }

    private void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closed = true;
        }
    }

    void close() {
        closed = true;
    }
}
