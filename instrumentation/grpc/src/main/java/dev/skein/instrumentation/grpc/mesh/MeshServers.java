package dev.skein.instrumentation.grpc.mesh;

import dev.skein.bootstrap.AgentFaults;
import dev.skein.bootstrap.Bridge;
import io.grpc.Server;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/** Called by the advice after a gRPC server started: registers its first TCP listen address. */
public final class MeshServers {
  private MeshServers() {}

  public static void started(Object server) {
    try {
      for (SocketAddress address : ((Server) server).getListenSockets()) {
        // In-process servers listen on no socket: nothing to register.
        if (address instanceof InetSocketAddress) {
          Bridge.serverStarted(server, "grpc", (InetSocketAddress) address);
          return;
        }
      }
    } catch (Throwable t) {
      AgentFaults.record("grpc-server", t);
    }
  }
}
