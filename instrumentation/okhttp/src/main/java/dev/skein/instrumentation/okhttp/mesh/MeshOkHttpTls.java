package dev.skein.instrumentation.okhttp.mesh;

import dev.skein.bootstrap.AgentFaults;
import dev.skein.bootstrap.Bridge;
import dev.skein.bootstrap.MeshSockets;
import javax.net.ssl.SSLContext;
import okhttp3.Address;
import okhttp3.CertificatePinner;
import okhttp3.HttpUrl;

/**
 * The connection address of an {@code https} request to a mesh endpoint that takes the mesh's TLS:
 * the mesh's client socket factory (workload certificate, the server's SPIFFE ID checked against the
 * service registered at that address) in place of the client's, and no host name check or pins
 * (the endpoint is an IP address; the trust manager checks the identity). Any other address is
 * left as the client made it.
 */
public final class MeshOkHttpTls {
  private MeshOkHttpTls() {}

  public static Object address(Object made) {
    try {
      Address a = (Address) made;
      HttpUrl url = a.url();
      if (!url.isHttps()) {
        return made;
      }
      SSLContext tls = Bridge.outboundTls(url.host(), url.port());
      if (tls == null) {
        return made;
      }
      return new Address(
          url.host(), url.port(), a.dns(), a.socketFactory(), MeshSockets.noDelay(tls.getSocketFactory()), (host, session) -> true, CertificatePinner.DEFAULT,
          a.proxyAuthenticator(), a.proxy(), a.protocols(), a.connectionSpecs(), a.proxySelector());
    } catch (Throwable t) {
      AgentFaults.record("okhttp-mtls", t);
      return made;
    }
  }
}
