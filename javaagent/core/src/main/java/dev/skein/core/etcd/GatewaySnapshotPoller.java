package dev.skein.core.etcd;

import dev.skein.bootstrap.AgentLog;
import dev.skein.core.state.ConfigChange;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Keeps the agent current between its first snapshot (read over etcd's JSON gateway) and the
 * start of jetcd's watch, which waits for the application's first request and then takes a
 * second or more to load. Without it a change made in those seconds (an endpoint deregistering
 * on SIGTERM, a route shifting traffic) would apply only once the watch replays it, seconds late
 * for the application's first requests.
 *
 * <p>It re-reads both prefixes over the gateway every {@link #INTERVAL} and applies a read only
 * when its keys or values differ from the last one applied: etcd's revision also moves for keys
 * the agent does not read (status keys, certificate requests). {@link #stop} answers the revision
 * that the watch should continue from.
 */
public final class GatewaySnapshotPoller implements Runnable {
  static final Duration INTERVAL = Duration.ofMillis(250);

  private final EtcdGatewayReader gateway;
  private final String[] prefixes;
  private final Consumer<ConfigChange> sink;
  // Guarded by this: a read in progress finishes before stop() answers its revision.
  private Map<String, byte[]> applied;
  private long revision;
  private boolean stopped;

  /** @param first the snapshot already applied, read with {@code gateway} from {@code prefixes} */
  public GatewaySnapshotPoller(EtcdGatewayReader gateway, ConfigChange.Resync first, Consumer<ConfigChange> sink, String... prefixes) {
    this.gateway = gateway;
    this.prefixes = prefixes;
    this.sink = sink;
    this.applied = first.values();
    this.revision = first.revision();
  }

  /** Starts polling on a daemon thread of its own (a read may block for the gateway's timeout). */
  public GatewaySnapshotPoller start() {
    Thread thread = new Thread(this, "skein-etcd-gateway-poll");
    thread.setDaemon(true);
    thread.start();
    return this;
  }

  @Override
  public void run() {
    while (!isStopped()) {
      try {
        Thread.sleep(INTERVAL.toMillis());
      } catch (InterruptedException e) {
        return;
      }
      pollOnce();
    }
  }

  /** One read; applied when it shows a change. */
  synchronized void pollOnce() {
    if (stopped) {
      return;
    }
    try {
      ConfigChange.Resync read = gateway.read(prefixes);
      if (read.revision() <= revision) {
        return;
      }
      if (!sameValues(read.values(), applied)) {
        sink.accept(read);
        applied = read.values();
      }
      revision = read.revision();
    } catch (Exception e) {
      // The watch that follows catches up from the last revision read; nothing is lost.
      AgentLog.debug("re-reading the snapshot over the etcd gateway failed: " + e);
    }
  }

  /** Stops polling; answers the revision the state applied so far is current at. */
  public synchronized long stop() {
    stopped = true;
    return revision;
  }

  private synchronized boolean isStopped() {
    return stopped;
  }

  static boolean sameValues(Map<String, byte[]> a, Map<String, byte[]> b) {
    if (a.size() != b.size()) {
      return false;
    }
    for (Map.Entry<String, byte[]> e : a.entrySet()) {
      if (!Arrays.equals(e.getValue(), b.get(e.getKey()))) {
        return false;
      }
    }
    return true;
  }
}
