package dev.skein.it.bench;

import dev.skein.it.support.MeshJvm;

/** No agent anywhere: the client calls the server's address directly. */
final class BaselineScenario extends Scenario {
  private int port;

  BaselineScenario() {
    super("baseline", "baseline (no agent)", "Plain JVMs, the client calls the server's loopback address.");
  }

  @Override
  void start() throws Exception {
    port = startServer(HarnessClasses.jvm("baseline-server").withoutAgent());
  }

  @Override
  MeshJvm.Builder clientJvm(String name) {
    return HarnessClasses.jvm("baseline-" + name).withoutAgent();
  }

  @Override
  String url() {
    return "http://127.0.0.1:" + port + "/bench";
  }
}
