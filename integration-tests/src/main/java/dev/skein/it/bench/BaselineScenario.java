package dev.skein.it.bench;

import dev.skein.it.support.MeshJvm;

/** No agent anywhere: the client calls the server's address directly. */
final class BaselineScenario extends Scenario {
  private int port;
  private int grpcPort;

  BaselineScenario() {
    super("baseline", "baseline (no agent)", "Plain JVMs, the client calls the server's loopback address (the gRPC client too).");
  }

  @Override
  void start() throws Exception {
    MeshJvm server = launchServer(HarnessClasses.applicationJvm("baseline-server").withoutAgent());
    MeshJvm grpcServer = launchGrpcServer(HarnessClasses.applicationJvm("baseline-grpc-server").withoutAgent());
    port = listeningPort(server);
    grpcPort = listeningPort(grpcServer);
  }

  @Override
  String grpcTarget() {
    return "127.0.0.1:" + grpcPort;
  }

  @Override
  MeshJvm.Builder clientJvm(String name) {
    return HarnessClasses.applicationJvm("baseline-" + name).withoutAgent();
  }

  @Override
  String url() {
    return "http://127.0.0.1:" + port + "/bench";
  }
}
