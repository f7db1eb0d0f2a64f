package dev.skein.core.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * How a watch reads the gateway's lasting response: chunks that split messages anywhere, puts,
 * deletes, a cancellation. The response lines are etcd 3.4's, as {@code curl} showed them; the
 * watch against a real etcd is covered by the integration tests (EtcdOutageIT,
 * CompactedHistoryIT, EtcdFlappingIT).
 */
class GatewayWatchTest {
  private static final String CREATED =
      "{\"result\":{\"header\":{\"cluster_id\":\"1\",\"member_id\":\"2\",\"revision\":\"2\",\"raft_term\":\"2\"},\"created\":true}}\n";
  private static final String PUT =
      "{\"result\":{\"header\":{\"revision\":\"3\"},\"events\":[{\"kv\":{\"key\":\"L2EveA==\",\"create_revision\":\"3\","
          + "\"mod_revision\":\"3\",\"version\":\"1\",\"value\":\"MQ==\"}}]}}\n";
  private static final String DELETE =
      "{\"result\":{\"header\":{\"revision\":\"4\"},\"events\":[{\"type\":\"DELETE\",\"kv\":{\"key\":\"L2EveA==\",\"mod_revision\":\"4\"}}]}}\n";
  private static final String CANCELED =
      "{\"result\":{\"header\":{\"raft_term\":\"2\"},\"canceled\":true,\"compact_revision\":\"4\"}}\n";

  private static final String UNAUTHENTICATED =
      "{\"result\":{\"header\":{\"revision\":\"1\"},\"watch_id\":\"-1\",\"created\":true,\"canceled\":true,"
          + "\"cancel_reason\":\"rpc error: code = Unauthenticated desc = etcdserver: invalid auth token\"}}\n";

  private record Seen(List<GatewayWatch.Event> events, AtomicReference<Throwable> end, CountDownLatch ended)
      implements GatewayWatch.Listener {
    Seen() {
      this(new CopyOnWriteArrayList<>(), new AtomicReference<>(), new CountDownLatch(1));
    }

    @Override
    public void onEvents(List<GatewayWatch.Event> batch) {
      events.addAll(batch);
    }

    @Override
    public void onEnd(Throwable error) {
      end.set(error);
      ended.countDown();
    }
  }

  /** Serves one chunked response, cutting {@code body} into chunks of {@code chunk} bytes, then holds or ends it. */
  private static ServerSocket serve(String body, int chunk, boolean end) throws IOException {
    ServerSocket server = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
    Thread t =
        new Thread(
            () -> {
              try (Socket s = server.accept()) {
                InputStream in = s.getInputStream();
                in.readNBytes(in.available()); // the request; its content does not matter here
                OutputStream out = s.getOutputStream();
                out.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
                for (int i = 0; i < bytes.length; i += chunk) {
                  int n = Math.min(chunk, bytes.length - i);
                  out.write((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                  out.write(bytes, i, n);
                  out.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
                  out.flush();
                }
                if (end) {
                  out.write("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                  out.flush();
                } else {
                  Thread.sleep(10_000);
                }
              } catch (Exception e) {
                // the client closed the connection
              }
            });
    t.setDaemon(true);
    t.start();
    return server;
  }

  private static GatewayWatch watch(ServerSocket server, Seen seen) throws Exception {
    EtcdGateway gateway = new EtcdGateway(List.of("http://127.0.0.1:" + server.getLocalPort()), null, null, Duration.ofSeconds(2));
    return gateway.watch(3, seen, "test-watch", EtcdGateway.WatchRange.prefix("/a/"));
  }

  @Test
  void deliversPutsAndDeletesFromMessagesSplitAcrossChunks() throws Exception {
    Seen seen = new Seen();
    try (ServerSocket server = serve(CREATED + PUT + DELETE, 7, true); GatewayWatch watch = watch(server, seen)) {
      assertThat(seen.ended().await(5, TimeUnit.SECONDS)).isTrue();
      assertThat(watch.created()).isTrue();
    }
    assertThat(seen.events()).hasSize(2);
    assertThat(seen.events().get(0).key()).isEqualTo("/a/x");
    assertThat(new String(seen.events().get(0).value(), StandardCharsets.UTF_8)).isEqualTo("1");
    assertThat(seen.events().get(0).modRevision()).isEqualTo(3);
    assertThat(seen.events().get(1).value()).as("a delete").isNull();
    assertThat(seen.events().get(1).modRevision()).isEqualTo(4);
    assertThat(seen.end().get()).as("the response ended: etcd went away").hasMessageContaining("ended");
  }

  @Test
  void endsWithTheReasonWhenEtcdCancelsTheWatch() throws Exception {
    Seen seen = new Seen();
    try (ServerSocket server = serve(CREATED + CANCELED, 4096, false); GatewayWatch watch = watch(server, seen)) {
      assertThat(seen.ended().await(5, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(seen.end().get()).hasMessageContaining("compacted (oldest kept 4)");
  }

  @Test
  void anUnknownAuthTokenIsDroppedSoThatTheNextWatchAuthenticatesAgain() throws Exception {
    // etcd answers 200 and cancels in the stream (not 401) when it does not know the token.
    Seen seen = new Seen();
    java.util.concurrent.atomic.AtomicBoolean dropped = new java.util.concurrent.atomic.AtomicBoolean();
    try (ServerSocket server = serve(UNAUTHENTICATED, 4096, false)) {
      PlainHttpPost.BodyStream stream =
          PlainHttpPost.stream("http://127.0.0.1:" + server.getLocalPort() + "/v3/watch", "{}", "stale.1", Duration.ofSeconds(2));
      try (GatewayWatch watch = GatewayWatch.start(stream, 1, seen, "test-watch", () -> dropped.set(true))) {
        assertThat(seen.ended().await(5, TimeUnit.SECONDS)).isTrue();
      }
    }
    assertThat(dropped).isTrue();
    assertThat(seen.end().get()).hasMessageContaining("invalid auth token");
  }

  @Test
  void closingEndsTheWatchWithoutAnError() throws Exception {
    Seen seen = new Seen();
    try (ServerSocket server = serve(CREATED, 4096, false)) {
      GatewayWatch watch = watch(server, seen);
      Thread.sleep(200);
      watch.close();
      assertThat(seen.ended().await(5, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(seen.end().get()).isNull();
  }
}
