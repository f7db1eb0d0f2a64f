package dev.skein.core.discovery;

import dev.skein.bootstrap.AgentLog;
import dev.skein.core.etcd.EtcdGateway;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Keeps this process's keys (endpoint registrations, the agent status) alive in etcd under one
 * lease.
 *
 * <p>The lease is kept alive by a periodic single keep-alive call rather than a keep-alive stream,
 * because the periodic call makes recovery explicit: when etcd was away
 * longer than the TTL the lease is gone, and the next tick grants a new one and writes every
 * key again. A crashed process simply stops renewing, and etcd removes its keys after the TTL.
 */
public final class LeasedKeys {
  private final EtcdGateway etcd;
  private final Duration ttl;
  private final ScheduledExecutorService scheduler;
  private final Map<String, String> registered = new ConcurrentHashMap<>();
  private volatile long leaseId;
  private boolean started;
  // A lease granted before this object existed (the first certificate request): kept alive from
  // the first tick on, and every key is written under it then.
  private volatile boolean adopted;

  public LeasedKeys(EtcdGateway etcd, Duration ttl, ScheduledExecutorService scheduler) {
    this.etcd = etcd;
    this.ttl = ttl;
    this.scheduler = scheduler;
  }

  /** Takes over a lease granted elsewhere; call before the first {@link #put}. */
  public synchronized void adopt(long lease) {
    if (!started && lease != 0) {
      leaseId = lease;
      adopted = true;
    }
  }

  /** Writes (or rewrites) one key under the lease; safe to call from any thread. */
  public synchronized void put(String key, String value) {
    String previous = registered.put(key, value);
    if (value.equals(previous)) {
      return;
    }
    if (!started) {
      started = true;
      long period = Math.max(500, ttl.toMillis() / 3);
      scheduler.scheduleWithFixedDelay(this::tick, 0, period, TimeUnit.MILLISECONDS);
    } else {
      scheduler.execute(() -> write(key, value));
    }
  }

  /** Deletes one key now (orderly server stop), waiting briefly so clients see it go first. */
  public void remove(String key) {
    if (registered.remove(key) == null) {
      return;
    }
    try {
      etcd.withTimeout(Duration.ofSeconds(1)).delete(key);
      AgentLog.debug("deleted " + key);
    } catch (Exception e) {
      AgentLog.debug("could not delete " + key + " (its lease will expire): " + e);
    }
  }

  /** Revokes the lease, deleting every key at once (JVM shutdown). */
  public void revoke() {
    long id = leaseId;
    registered.clear();
    if (id == 0) {
      return;
    }
    try {
      etcd.withTimeout(Duration.ofSeconds(1)).revoke(id);
    } catch (Exception e) {
      AgentLog.debug("could not revoke lease (it will expire): " + e);
    }
  }

  private void tick() {
    try {
      boolean kept = leaseId != 0 && renewed();
      if (kept && !adopted) {
        return;
      }
      if (!kept) {
        leaseId = etcd.grant(ttl.toSeconds());
      }
      adopted = false;
      registered.forEach(this::write);
    } catch (Exception e) {
      AgentLog.debug("registration keep-alive failed, retrying: " + e);
    }
  }

  private boolean renewed() {
    try {
      return etcd.keepAlive(leaseId) > 0;
    } catch (Exception e) {
      // Try a new lease: the old one simply expires. (A lease that expired while etcd was away
      // answers a TTL of 0, above.)
      AgentLog.debug("lease keep-alive failed: " + e);
      return false;
    }
  }

  private void write(String key, String value) {
    long id = leaseId;
    if (id == 0) {
      return; // the first tick writes it
    }
    try {
      etcd.put(key, value, id);
      AgentLog.debug("wrote " + key);
    } catch (Exception e) {
      AgentLog.debug("could not write " + key + ", retrying on the next tick: " + e);
      leaseId = 0;
    }
  }
}
