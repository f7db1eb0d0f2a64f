package dev.skein.instrumentation.tomcat.inbound;

import java.io.IOException;
import java.util.Map;
import javax.net.ssl.SSLEngine;
import org.apache.tomcat.util.buf.ByteBufferUtils;
import org.apache.tomcat.util.net.NioEndpoint;
import org.apache.tomcat.util.net.SSLSupport;
import org.apache.tomcat.util.net.SecureNioChannel;
import org.apache.tomcat.util.net.SocketBufferHandler;
import org.apache.tomcat.util.net.jsse.JSSESupport;

/**
 * Tomcat's own TLS channel on a plain-text connector, with the mesh's server engine instead of
 * one from the connector's {@code SSLHostConfig} (it has none): the engine is made before the
 * first handshake step, so Tomcat's SNI step, which would ask the connector, is skipped. The rest
 * (handshake, reads, writes, close) is Tomcat's. The session shows to requests through
 * {@link JSSESupport}: the {@code jakarta.servlet.request.X509Certificate} attribute.
 */
public final class MeshTlsNioChannel extends SecureNioChannel {
  private final SSLEngine engine;

  MeshTlsNioChannel(SocketBufferHandler buffers, NioEndpoint endpoint, SSLEngine engine) {
    super(buffers, endpoint);
    this.engine = engine;
  }

  /** The handshake record's first byte, already read off the connection. */
  void pushBack(byte first) {
    netInBuffer.put(first);
  }

  @Override
  public int handshake(boolean read, boolean write) throws IOException {
    if (sslEngine == null) {
      sslEngine = engine;
      getBufHandler().expand(engine.getSession().getApplicationBufferSize());
      netInBuffer = ByteBufferUtils.expand(netInBuffer, engine.getSession().getPacketBufferSize());
      netOutBuffer = ByteBufferUtils.expand(netOutBuffer, engine.getSession().getPacketBufferSize());
      netOutBuffer.position(0);
      netOutBuffer.limit(0);
      engine.beginHandshake();
      handshakeStatus = engine.getHandshakeStatus();
      sniComplete = true;
    }
    return super.handshake(read, write);
  }

  @Override
  public SSLSupport getSSLSupport() {
    return sslEngine == null ? null : new JSSESupport(sslEngine.getSession(), Map.of());
  }
}
