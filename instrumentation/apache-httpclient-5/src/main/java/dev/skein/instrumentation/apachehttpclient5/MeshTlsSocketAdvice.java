package dev.skein.instrumentation.apachehttpclient5;

import dev.skein.bootstrap.instrumentation.apachehttpclient5.ApacheMeshTls;
import java.net.Socket;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import net.bytebuddy.asm.Advice;

/**
 * {@code AbstractClientTlsStrategy.upgrade(Socket, target, port, ...)} (classic client): a
 * connection to a mesh endpoint that takes the mesh's TLS is upgraded with the mesh's context
 * instead of the strategy's own. A failed mesh handshake fails the connection (fail closed).
 */
final class MeshTlsSocketAdvice {
  private MeshTlsSocketAdvice() {}

  @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class)
  static SSLSocket enter(@Advice.Argument(0) Socket socket, @Advice.Argument(1) String target, @Advice.Argument(2) int port) throws Exception {
    // The connected address, not the TLS name: 5.5+ names the TLS peer after the request's host.
    String address = socket.getInetAddress() == null ? null : socket.getInetAddress().getHostAddress();
    SSLContext mesh = ApacheMeshTls.context(address, socket.getPort());
    return mesh == null ? null : ApacheMeshTls.upgrade(mesh, socket, address, socket.getPort());
  }

  @Advice.OnMethodExit
  static void exit(@Advice.Enter SSLSocket mesh, @Advice.Return(readOnly = false) SSLSocket result) {
    if (mesh != null) {
      result = mesh;
    }
  }
}
