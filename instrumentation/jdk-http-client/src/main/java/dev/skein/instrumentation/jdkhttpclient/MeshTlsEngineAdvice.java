package dev.skein.instrumentation.jdkhttpclient;

import dev.skein.bootstrap.Bridge;
import dev.skein.bootstrap.MeshCipherSuites;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import net.bytebuddy.asm.Advice;

/**
 * A connection to a mesh endpoint that takes the mesh's TLS gets its engine from the mesh's client
 * context (workload certificate, the server's SPIFFE ID checked against the destination), TLS 1.3
 * only. {@code serverName} is the endpoint's IP address: the mesh routed the request there.
 */
final class MeshTlsEngineAdvice {
  private MeshTlsEngineAdvice() {}

  @Advice.OnMethodEnter(suppress = Throwable.class)
  static boolean enter(
      @Advice.Argument(value = 0, readOnly = false) SSLContext context, @Advice.Argument(1) String serverName, @Advice.Argument(2) int port) {
    SSLContext mesh = Bridge.outboundTls(serverName, port);
    if (mesh != null) {
      context = mesh;
      return true;
    }
    return false;
  }

  @Advice.OnMethodExit(suppress = Throwable.class)
  static void exit(@Advice.Enter boolean mesh, @Advice.Return SSLEngine engine) {
    if (mesh && engine != null) {
      MeshCipherSuites.apply(engine); // TLS 1.3, AES-128-GCM first
    }
  }
}
