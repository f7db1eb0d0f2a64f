package dev.skein.core.etcd;

import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One etcd watch over the JSON gateway: a {@code POST /v3/watch} whose response lasts, one JSON
 * message per line ({@code {"result": WatchResponse}}), read on a daemon thread of its own.
 *
 * <p>The watch ends, and says so once through {@link Listener#onEnd}, when the connection ends
 * (etcd stopped or restarted), when etcd cancels it (its start revision was compacted away) or
 * answers an error, and when {@link #close} is called (then with a null error). It does not
 * resume by itself: the owner re-reads what it watches and watches again, which also covers
 * every event missed while it was down.
 */
public final class GatewayWatch implements AutoCloseable {
  /** One put (value) or delete (null value). */
  public record Event(String key, byte[] value, long modRevision) {}

  public interface Listener {
    /** The events of one watch response, in revision order. */
    void onEvents(List<Event> events);

    /** The watch ended; {@code error} is null when it was closed on purpose. */
    void onEnd(Throwable error);
  }

  private final PlainHttpPost.BodyStream stream;
  private final int ranges;
  private final Listener listener;
  private final Runnable onUnauthenticated;
  private volatile boolean closed;
  private volatile int created;

  private GatewayWatch(PlainHttpPost.BodyStream stream, int ranges, Listener listener, Runnable onUnauthenticated) {
    this.stream = stream;
    this.ranges = ranges;
    this.listener = listener;
    this.onUnauthenticated = onUnauthenticated;
  }

  /**
   * @param onUnauthenticated called when etcd cancels the watch for an auth token it does not
   *     know (the gateway answers 200 and cancels in the stream, rather than 401), so that the next
   *     attempt authenticates again
   */
  static GatewayWatch start(
      PlainHttpPost.BodyStream stream, int ranges, Listener listener, String threadName, Runnable onUnauthenticated) {
    GatewayWatch watch = new GatewayWatch(stream, ranges, listener, onUnauthenticated);
    Thread reader = new Thread(watch::read, threadName);
    reader.setDaemon(true);
    reader.start();
    return watch;
  }

  /** Whether etcd has confirmed every range of this watch (events from then on are delivered). */
  public boolean created() {
    return created >= ranges;
  }

  private void read() {
    Throwable end;
    try {
      for (byte[] line = stream.readLine(); line != null; line = stream.readLine()) {
        if (line.length > 0) {
          handle(EtcdGateway.parse(new String(line, StandardCharsets.UTF_8)));
        }
      }
      end = new EOFException("the watch response ended");
    } catch (Throwable t) {
      end = t;
    }
    boolean onPurpose = closed;
    closeStream();
    listener.onEnd(onPurpose ? null : end);
  }

  private void handle(Map<?, ?> message) throws IOException {
    if (message.get("error") != null) {
      throw new IOException("etcd watch error: " + message.get("error"));
    }
    if (!(message.get("result") instanceof Map<?, ?> result)) {
      return;
    }
    if (Boolean.TRUE.equals(result.get("canceled"))) {
      if (String.valueOf(result.get("cancel_reason")).contains("invalid auth token")) {
        onUnauthenticated.run();
      }
      long compacted = EtcdGateway.number(result.get("compact_revision"));
      throw new IOException(
          "etcd canceled the watch"
              + (compacted > 0 ? ": its start revision was compacted (oldest kept " + compacted + ")" : "")
              + (result.get("cancel_reason") != null ? ": " + result.get("cancel_reason") : ""));
    }
    if (Boolean.TRUE.equals(result.get("created"))) {
      created++;
    }
    if (result.get("events") instanceof List<?> list && !list.isEmpty()) {
      List<Event> events = new ArrayList<>(list.size());
      for (Object item : list) {
        Map<?, ?> event = (Map<?, ?>) item;
        Map<?, ?> kv = (Map<?, ?>) event.get("kv");
        String key = new String(EtcdGateway.decode(kv.get("key")), StandardCharsets.UTF_8);
        boolean deleted = "DELETE".equals(event.get("type"));
        events.add(new Event(key, deleted ? null : EtcdGateway.decode(kv.get("value")), EtcdGateway.number(kv.get("mod_revision"))));
      }
      listener.onEvents(events);
    }
  }

  /** Ends the watch (closes its connection); its listener hears {@code onEnd(null)}. */
  @Override
  public void close() {
    closed = true;
    closeStream();
  }

  private void closeStream() {
    try {
      stream.close();
    } catch (IOException e) {
      // closed anyway
    }
  }
}
