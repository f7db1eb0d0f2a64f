package dev.skein.it.bench;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * The benchmark's gRPC client: unary calls of {@link GrpcEcho#ECHO} over one channel (grpc-java
 * on Netty, plaintext as the application sees it), no mesh code, driven on stdin with the
 * {@code warm} and {@code open} commands of {@link LoadGenerator} and answering the same lines.
 * Open loop as there: each latency is measured from the call's <em>intended</em> start, so a
 * stall shows in every call it delays (corrected for coordinated omission).
 */
public final class GrpcLoadGenerator {
  private static final byte[] PAYLOAD = "0123456789abcdef".getBytes(StandardCharsets.UTF_8);

  private final ManagedChannel channel;

  private GrpcLoadGenerator(String target) {
    this.channel = ManagedChannelBuilder.forTarget(target).usePlaintext().build();
  }

  public static void main(String[] args) throws Exception {
    GrpcLoadGenerator generator = new GrpcLoadGenerator(args[0]);
    LoadCommands.serve(
        p ->
            switch (p[0]) {
              case "warm" -> generator.warm(Integer.parseInt(p[1]));
              case "open" -> generator.open(Integer.parseInt(p[1]), Long.parseLong(p[2]));
              default -> null;
            });
  }

  private String warm(int count) {
    LoadCommands.Outcome outcome = new LoadCommands.Outcome();
    for (int i = 0; i < count; i++) {
      try {
        byte[] answer = ClientCalls.blockingUnaryCall(channel, GrpcEcho.ECHO, options(), PAYLOAD);
        outcome.record(answer.length == PAYLOAD.length ? null : "answer of " + answer.length + " bytes", null);
      } catch (RuntimeException e) {
        outcome.record(String.valueOf(e), null);
      }
    }
    return "warm ok=" + outcome.okCount() + " failed=" + outcome.failedCount() + outcome.last();
  }

  private String open(int rate, long millis) throws InterruptedException {
    return LoadCommands.open(
        rate,
        millis,
        done ->
            ClientCalls.asyncUnaryCall(
                channel.newCall(GrpcEcho.ECHO, options()),
                PAYLOAD,
                new StreamObserver<byte[]>() {
                  private String wrongAnswer;

                  @Override
                  public void onNext(byte[] answer) {
                    if (answer.length != PAYLOAD.length) {
                      wrongAnswer = "answer of " + answer.length + " bytes";
                    }
                  }

                  @Override
                  public void onError(Throwable e) {
                    done.finish(String.valueOf(e), null);
                  }

                  @Override
                  public void onCompleted() {
                    done.finish(wrongAnswer, null);
                  }
                }));
  }

  private static CallOptions options() {
    return CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS);
  }
}
