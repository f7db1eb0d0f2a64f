package dev.skein.core.etcd;

import static dev.skein.core.etcd.EtcdClients.bytes;

import dev.skein.api.KeyLayout;
import dev.skein.bootstrap.AgentLog;
import dev.skein.core.state.ConfigChange;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Policies and endpoints from etcd: read both prefixes at one revision, then watch both from the
 * next revision. When a watch ends in error (a compacted revision, a lost leader, a closed
 * client) the loop re-reads everything and watches again, with a capped exponential backoff
 * while etcd is unreachable. jetcd itself resumes a watch across short disconnections.
 *
 * <p>Watch responses are queued and applied on this source's own thread, every response that
 * queued up while the store was busy in one batch: the store then parses only the latest value
 * of each key. A burst of puts (a script, a runaway controller, large documents) therefore
 * costs one parse per key rather than one per put, and the newest policy applies promptly
 * instead of behind a backlog. Like a Kubernetes controller, the agent acts on the latest
 * value: a value overwritten before the agent got to it is skipped.
 */
public final class EtcdPolicySource implements Runnable {
  private static final long MAX_BACKOFF_MS = 5_000;

  private final Client client;
  private final KeyLayout layout;
  private final Consumer<ConfigChange> sink;
  private final Runnable onFirstFailure;
  private final LinkedBlockingQueue<ConfigChange.Delta> pending = new LinkedBlockingQueue<>();
  private volatile boolean closed;
  private long initialRevision;

  /**
   * @param onFirstFailure called once when the first read fails, so that the engine can fall
   *     back to the last-known-good cache
   * @param initialRevision the revision of a snapshot already applied, or 0 to read one first
   */
  public EtcdPolicySource(
      Client client, KeyLayout layout, Consumer<ConfigChange> sink, Runnable onFirstFailure, long initialRevision) {
    this.initialRevision = initialRevision;
    this.client = client;
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
        // A revision read before jetcd was up: watch from there instead of reading again.
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
    GetResponse policies = get(layout.policiesPrefix(), 0);
    long revision = policies.getHeader().getRevision();
    GetResponse endpoints = get(layout.endpointsPrefix(), revision);
    Map<String, byte[]> values = new HashMap<>();
    for (KeyValue kv : policies.getKvs()) {
      values.put(kv.getKey().toString(StandardCharsets.UTF_8), kv.getValue().getBytes());
    }
    for (KeyValue kv : endpoints.getKvs()) {
      values.put(kv.getKey().toString(StandardCharsets.UTF_8), kv.getValue().getBytes());
    }
    sink.accept(new ConfigChange.Resync(values, revision, ConfigChange.Origin.ETCD));
    AgentLog.debug("read " + values.size() + " keys from etcd at revision " + revision);
    return revision;
  }

  private GetResponse get(String prefix, long revision) throws Exception {
    GetOption.Builder option = GetOption.builder().isPrefix(true);
    if (revision > 0) {
      option.withRevision(revision);
    }
    return client.getKVClient().get(bytes(prefix), option.build()).get(5, TimeUnit.SECONDS);
  }

  /** Watches both prefixes from {@code revision + 1}; returns when either watch fails. */
  private void watchUntilBroken(long revision) throws InterruptedException {
    CountDownLatch broken = new CountDownLatch(1);
    Watch.Listener listener =
        Watch.listener(
            this::onWatchResponse,
            error -> {
              if (!closed) {
                AgentLog.info("etcd watch ended (" + rootMessage(error) + "), re-reading the prefix");
              }
              broken.countDown();
            },
            broken::countDown);
    WatchOption option = WatchOption.builder().isPrefix(true).withRevision(revision + 1).build();
    try (Watch.Watcher policies = client.getWatchClient().watch(bytes(layout.policiesPrefix()), option, listener);
        Watch.Watcher endpoints = client.getWatchClient().watch(bytes(layout.endpointsPrefix()), option, listener)) {
      while (!closed && broken.getCount() > 0) {
        ConfigChange.Delta first = pending.poll(200, TimeUnit.MILLISECONDS);
        if (first != null) {
          sink.accept(merged(first));
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

  private void onWatchResponse(WatchResponse response) {
    List<ConfigChange.KeyChange> changes = new ArrayList<>(response.getEvents().size());
    long revision = 0;
    for (WatchEvent event : response.getEvents()) {
      KeyValue kv = event.getKeyValue();
      String key = kv.getKey().toString(StandardCharsets.UTF_8);
      revision = Math.max(revision, kv.getModRevision());
      changes.add(
          new ConfigChange.KeyChange(key, event.getEventType() == WatchEvent.EventType.DELETE ? null : kv.getValue().getBytes()));
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
