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
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Policies and endpoints from etcd: read both prefixes at one revision, then watch both from the
 * next revision. When a watch ends in error (a compacted revision, a lost leader, a closed
 * client) the loop re-reads everything and watches again, with a capped exponential backoff
 * while etcd is unreachable. jetcd itself resumes a watch across short disconnections.
 */
public final class EtcdPolicySource implements Runnable {
  private static final long MAX_BACKOFF_MS = 5_000;

  private final Client client;
  private final KeyLayout layout;
  private final Consumer<ConfigChange> sink;
  private final Runnable onFirstFailure;
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
      while (!closed && !broken.await(1, TimeUnit.SECONDS)) {
        // wait
      }
    }
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
      sink.accept(new ConfigChange.Delta(changes, revision));
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
