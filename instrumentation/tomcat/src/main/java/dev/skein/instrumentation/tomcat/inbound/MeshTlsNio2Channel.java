package dev.skein.instrumentation.tomcat.inbound;

import java.util.Map;
import org.apache.tomcat.util.net.Nio2Endpoint;
import org.apache.tomcat.util.net.SSLSupport;
import org.apache.tomcat.util.net.SecureNio2Channel;
import org.apache.tomcat.util.net.SocketBufferHandler;
import org.apache.tomcat.util.net.jsse.JSSESupport;

/**
 * Tomcat's own NIO2 TLS channel on a plain-text NIO2 connector. Tomcat's handshake asks the
 * endpoint for its engine ({@code createSSLEngine}), which answers the mesh's server engine for a
 * meshed endpoint (see {@code CreateSslEngineAdvice}); the rest (handshake, reads, writes, close) is
 * Tomcat's. The session shows to requests through {@link JSSESupport}: the
 * {@code jakarta.servlet.request.X509Certificate} attribute.
 */
public final class MeshTlsNio2Channel extends SecureNio2Channel {
  MeshTlsNio2Channel(SocketBufferHandler buffers, Nio2Endpoint endpoint) {
    super(buffers, endpoint);
  }

  /** The handshake record's first byte, already read off the connection. */
  void pushBack(byte first) {
    netInBuffer.put(first);
  }

  @Override
  public SSLSupport getSSLSupport() {
    return sslEngine == null ? null : new JSSESupport(sslEngine.getSession(), Map.of());
  }
}
