package dev.skein.it.grpc.apps;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A gRPC client driven by stdin, calling over ONE channel at a time:
 *
 * <ul>
 *   <li>{@code channel forTarget T} | {@code channel forAddress HOST PORT} |
 *       {@code channel newChannelBuilder T}: builds the channel (plaintext), prints {@code channel ok};
 *   <li>{@code unary|server|client|bidi N [name:value ...]}: N calls of that kind with those
 *       headers, prints {@code result ok=N failed=N bodies={v1=N, v2=N}} (one body per call: the
 *       version that answered, {@code mixed} if one call's messages disagree);
 * </ul>
 */
public final class GrpcClientDriver {
  private static ManagedChannel channel;

  private GrpcClientDriver() {}

  public static void main(String[] args) throws Exception {
    System.out.println("ready");
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line; (line = in.readLine()) != null; ) {
      String[] w = line.trim().split("\\s+");
      try {
        switch (w[0]) {
          case "channel" -> {
            if (channel != null) {
              channel.shutdownNow();
            }
            channel = build(w);
            System.out.println("channel ok");
          }
          default -> System.out.println(calls(w[0], Integer.parseInt(w[1]), Arrays.copyOfRange(w, 2, w.length)));
        }
      } catch (Exception e) {
        System.out.println("error " + e);
      }
    }
  }

  private static ManagedChannel build(String[] w) {
    return switch (w[1]) {
      case "forTarget" -> ManagedChannelBuilder.forTarget(w[2]).usePlaintext().build();
      case "forAddress" -> ManagedChannelBuilder.forAddress(w[2], Integer.parseInt(w[3])).usePlaintext().build();
      case "newChannelBuilder" -> Grpc.newChannelBuilder(w[2], InsecureChannelCredentials.create()).build();
      default -> throw new IllegalArgumentException(w[1]);
    };
  }

  private static String calls(String kind, int count, String[] headers) {
    Metadata metadata = new Metadata();
    for (String h : headers) {
      int colon = h.indexOf(':');
      metadata.put(Metadata.Key.of(h.substring(0, colon), Metadata.ASCII_STRING_MARSHALLER), h.substring(colon + 1));
    }
    Channel ch = ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(metadata));
    Map<String, Integer> bodies = new TreeMap<>();
    int ok = 0;
    int failed = 0;
    String firstError = "";
    for (int i = 0; i < count; i++) {
      try {
        bodies.merge(call(kind, ch), 1, Integer::sum);
        ok++;
      } catch (Exception e) {
        failed++;
        if (firstError.isEmpty()) {
          firstError = " error=" + e;
        }
      }
    }
    return "result ok=" + ok + " failed=" + failed + " bodies=" + bodies + firstError;
  }

  private static CallOptions options() {
    return CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  private static String call(String kind, Channel ch) throws Exception {
    List<String> replies = new ArrayList<>();
    switch (kind) {
      case "unary" -> replies.add(ClientCalls.blockingUnaryCall(ch, OrdersApi.GET, options(), "get"));
      case "server" -> {
        Iterator<String> it = ClientCalls.blockingServerStreamingCall(ch, OrdersApi.LIST, options(), "list");
        it.forEachRemaining(replies::add);
      }
      case "client", "bidi" -> {
        Collector collector = new Collector();
        StreamObserver<String> requests =
            kind.equals("client")
                ? ClientCalls.asyncClientStreamingCall(ch.newCall(OrdersApi.COLLECT, options()), collector)
                : ClientCalls.asyncBidiStreamingCall(ch.newCall(OrdersApi.CHAT, options()), collector);
        for (int i = 0; i < 3; i++) {
          requests.onNext("item" + i);
        }
        requests.onCompleted();
        replies.addAll(collector.done.get(10, TimeUnit.SECONDS));
      }
      default -> throw new IllegalArgumentException(kind);
    }
    if (replies.isEmpty()) {
      throw new IllegalStateException("no reply");
    }
    return replies.stream().distinct().count() == 1 ? replies.get(0) : "mixed";
  }

  /** Collects the replies of one streaming call. */
  private static final class Collector implements StreamObserver<String> {
    final CompletableFuture<List<String>> done = new CompletableFuture<>();
    private final List<String> replies = new ArrayList<>();

    @Override
    public synchronized void onNext(String value) {
      replies.add(value);
    }

    @Override
    public void onError(Throwable t) {
      done.completeExceptionally(t);
    }

    @Override
    public synchronized void onCompleted() {
      done.complete(List.copyOf(replies));
    }
  }
}
