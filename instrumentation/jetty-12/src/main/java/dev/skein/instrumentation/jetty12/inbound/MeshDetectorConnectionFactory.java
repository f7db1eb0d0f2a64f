package dev.skein.instrumentation.jetty12.inbound;

import dev.skein.bootstrap.MeshServerTls;
import java.nio.ByteBuffer;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.DetectorConnectionFactory;
import org.eclipse.jetty.server.SslConnectionFactory;

/**
 * Jetty's own detector (TLS or plain text on one connector) in front of the connector's protocol:
 * a TLS record goes to the mesh's {@link SslConnectionFactory}, plain text to the connector's next
 * protocol unless PeerAuthentication STRICT refuses it (closed unanswered).
 */
public final class MeshDetectorConnectionFactory extends DetectorConnectionFactory {
  MeshDetectorConnectionFactory(SslConnectionFactory tls) {
    super(tls);
  }

  @Override
  protected void nextProtocol(Connector connector, EndPoint endPoint, ByteBuffer buffer) {
    int first = buffer.hasRemaining() ? buffer.get(buffer.position()) & 0xff : -1;
    if (MeshServerTls.choose(first, "jetty") != MeshServerTls.Choice.PLAIN) {
      endPoint.close();
      return;
    }
    super.nextProtocol(connector, endPoint, buffer);
  }
}
