package dev.skein.core.etcd;

import dev.skein.api.KeyLayout;
import dev.skein.bootstrap.AgentLog;
import dev.skein.core.state.ConfigChange;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Policies and endpoints from etcd: read both prefixes at one revision, then watch both from the
 * next revision, both on one connection to etcd's JSON gateway ({@link GatewayWatch}). When the
 * watch ends (etcd restarted, a compacted revision, an error) the loop re-reads everything and
 * watches again, with a capped exponential backoff while etcd is unreachable. While the watch is
 * quiet, a cheap read every {@link #PROBE_EVERY_MS} ms checks that etcd still answers: a connection
 * that died without a word (a host gone, a network cut) would otherwise hold a watch that never
 * delivers.
 *
 * <p>Watch responses are queued and applied on this source's own thread, every response that
 * queued up while the store was busy in one batch: the store then parses only the latest value
 * of each key. A burst of puts (a script, a runaway controller, large documents) therefore
 * costs one parse per key rather than one per put, and the newest policy applies promptly
 * instead of behind a backlog. Like a Kubernetes controller, the agent acts on the latest
 * value: a value overwritten before the agent got to it is skipped.
 */
public final class EtcdPolicySource implements Runnable {
  // Short: reconnecting to a loopback or LAN etcd costs little, and registrations expire after a
  // lease's TTL (10 s by default) of no renewals.
  private static final long MAX_BACKOFF_MS = 1_000;
  static final long PROBE_EVERY_MS = 5_000;

  private final EtcdGateway gateway;
  private final KeyLayout layout;
  private final Consumer<ConfigChange> sink;
  private final Runnable onFirstFailure;
  private final LinkedBlockingQueue<ConfigChange.Delta> pending = new LinkedBlockingQueue<>();
  private volatile boolean closed;
  private long initialRevision;

  /**
   * @param gateway etcd, its per-call timeout bounding each re-read and each probe
   * @param onFirstFailure called once when the first read fails, so that the engine can fall
   *     back to the last-known-good cache
   * @param initialRevision the revision of a snapshot already applied, or 0 to read one first
   */
  public EtcdPolicySource(
      EtcdGateway gateway, KeyLayout layout, Consumer<ConfigChange> sink, Runnable onFirstFailure, long initialRevision) {
    this.initialRevision = initialRevision;
    this.gateway = gateway;
    this.layout = layout;
    this.sink = sink;
    this.onFirstFailure = onFirstFailure;
  }

  @Override
  public void run() {
    long backoff = 100;
    boolean failedOnce = false;
    while (!closed) {
      try {
        // A revision read at start (the first snapshot): watch from there instead of reading again.
        long revision = initialRevision > 0 ? initialRevision : resync();
        initialRevision = 0;
        backoff = 100;
        watchUntilBroken(revision);
      } catch (InterruptedException e) {
        return;
      } catch (Exception e) {
        if (closed) {
          return;
        }
        if (!failedOnce) {
          failedOnce = true;
          AgentLog.warn("etcd unreachable, serving the last good policy and retrying: " + rootMessage(e));
          onFirstFailure.run();
        } else {
          AgentLog.debug("etcd still unreachable: " + rootMessage(e));
        }
        sleep(backoff + (long) (Math.random() * backoff / 2));
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      }
    }
  }

  public void close() {
    closed = true;
  }

  private long resync() throws Exception {
    ConfigChange.Resync read = gateway.read(layout.policiesPrefix(), layout.endpointsPrefix());
    sink.accept(read);
    AgentLog.debug("read " + read.values().size() + " keys from etcd at revision " + read.revision());
    return read.revision();
  }

  /** Watches both prefixes from {@code revision + 1}; returns when the watch ends. */
  private void watchUntilBroken(long revision) throws Exception {
    CountDownLatch broken = new CountDownLatch(1);
    GatewayWatch.Listener listener =
        new GatewayWatch.Listener() {
          @Override
          public void onEvents(List<GatewayWatch.Event> events) {
            onWatchResponse(events);
          }

          @Override
          public void onEnd(Throwable error) {
            if (error != null && !closed) {
              AgentLog.info("etcd watch ended (" + rootMessage(error) + "), re-reading the prefix");
            }
            broken.countDown();
          }
        };
    try (GatewayWatch watch =
        gateway.watch(
            revision + 1, listener, "skein-etcd-watch-stream",
            EtcdGateway.WatchRange.prefix(layout.policiesPrefix()), EtcdGateway.WatchRange.prefix(layout.endpointsPrefix()))) {
      long probeAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(PROBE_EVERY_MS);
      while (!closed && broken.getCount() > 0) {
        ConfigChange.Delta first = pending.poll(200, TimeUnit.MILLISECONDS);
        if (first != null) {
          sink.accept(merged(first));
          probeAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(PROBE_EVERY_MS);
        } else if (System.nanoTime() > probeAt) {
          gateway.revision(layout.policiesPrefix()); // throws when etcd does not answer: re-read and watch again
          probeAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(PROBE_EVERY_MS);
        }
      }
    } finally {
      // The re-read that follows holds everything these responses held.
      pending.clear();
    }
  }

  /** {@code first} and every response queued behind it, as one change in watch order. */
  private ConfigChange.Delta merged(ConfigChange.Delta first) {
    List<ConfigChange.Delta> more = new ArrayList<>();
    pending.drainTo(more);
    if (more.isEmpty()) {
      return first;
    }
    List<ConfigChange.KeyChange> changes = new ArrayList<>(first.changes());
    long revision = first.revision();
    for (ConfigChange.Delta d : more) {
      changes.addAll(d.changes());
      revision = Math.max(revision, d.revision());
    }
    AgentLog.debug((more.size() + 1) + " watch responses applied as one change (" + changes.size() + " keys changed)");
    return new ConfigChange.Delta(changes, revision);
  }

  private void onWatchResponse(List<GatewayWatch.Event> events) {
    List<ConfigChange.KeyChange> changes = new ArrayList<>(events.size());
    long revision = 0;
    for (GatewayWatch.Event event : events) {
      revision = Math.max(revision, event.modRevision());
      changes.add(new ConfigChange.KeyChange(event.key(), event.value()));
    }
    if (!changes.isEmpty()) {
      pending.add(new ConfigChange.Delta(changes, revision));
    }
  }

  private void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      closed = true;
    }
  }

  static String rootMessage(Throwable t) {
    Throwable root = t;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
  }
}
