package dev.skein.instrumentation.apachehttpclient5.mesh;

import dev.skein.bootstrap.AgentFaults;
import dev.skein.bootstrap.instrumentation.apachehttpclient5.ApacheMeshTls;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import javax.net.ssl.SSLContext;
import org.apache.hc.core5.concurrent.FutureCallback;
import org.apache.hc.core5.http.HttpConnection;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.net.NamedEndpoint;
import org.apache.hc.core5.reactor.IOSession;
import org.apache.hc.core5.reactor.ssl.SSLBufferMode;
import org.apache.hc.core5.reactor.ssl.TransportSecurityLayer;
import org.apache.hc.core5.util.Timeout;

/**
 * The async client's TLS to a mesh endpoint that takes the mesh's TLS: started on the I/O session
 * with the mesh's client context, TLS 1.3 only, no host name check (the endpoint is an IP address;
 * the mesh's trust manager checks the server's SPIFFE ID).
 *
 * <p>Injected into the application's class loader: it uses the application's Apache types.
 */
public final class MeshAsyncTls {
  private MeshAsyncTls() {}

  /**
   * @return whether the mesh started TLS on the session (the strategy's own upgrade is then skipped)
   */
  @SuppressWarnings("unchecked")
  public static boolean startTls(Object session, Object endpoint, Object timeout, Object callback) {
    try {
      // The connected address, not the TLS name: 5.5+ names the TLS peer after the request's host.
      SocketAddress remote =
          session instanceof HttpConnection c ? c.getRemoteAddress() : session instanceof IOSession s ? s.getRemoteAddress() : null;
      if (!(remote instanceof InetSocketAddress peer) || peer.getAddress() == null) {
        return false;
      }
      SSLContext mesh = ApacheMeshTls.context(peer.getAddress().getHostAddress(), peer.getPort());
      if (mesh == null) {
        return false;
      }
      NamedEndpoint named = new HttpHost("https", peer.getAddress().getHostAddress(), peer.getPort());
      ((TransportSecurityLayer) session)
          .startTls(
              mesh,
              named,
              SSLBufferMode.STATIC,
              (e, engine) -> dev.skein.bootstrap.MeshCipherSuites.apply(engine), // TLS 1.3, AES-128-GCM first
              null,
              (Timeout) timeout,
              (FutureCallback<TransportSecurityLayer>) callback);
      return true;
    } catch (Throwable t) {
      AgentFaults.record("apache-async-mtls", t);
      return false;
    }
  }
}
