package dev.skein.instrumentation.httpurlconnection;

import dev.skein.bootstrap.instrumentation.httpurlconnection.HttpUrlConnectionTls;
import java.net.Socket;
import net.bytebuddy.asm.Advice;

/**
 * The socket the JDK's plain HTTP client connected to a mesh endpoint that takes the mesh's TLS
 * becomes a mesh TLS socket before anything is written on it. A failed handshake propagates (fails
 * closed), so this advice does not suppress.
 */
final class MeshTlsSocketAdvice {
  private MeshTlsSocketAdvice() {}

  @Advice.OnMethodExit
  static void exit(
      @Advice.This Object client,
      @Advice.Argument(0) String server,
      @Advice.Argument(1) int port,
      @Advice.Return(readOnly = false) Socket socket)
      throws java.io.IOException {
    socket = HttpUrlConnectionTls.secure(client, socket, server, port);
  }
}
