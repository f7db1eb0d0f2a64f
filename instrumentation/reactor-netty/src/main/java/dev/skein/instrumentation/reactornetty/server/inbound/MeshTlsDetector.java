package dev.skein.instrumentation.reactornetty.server.inbound;

import dev.skein.bootstrap.MeshServerTls;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.ssl.SslHandler;
import java.util.List;
import javax.net.ssl.SSLEngine;

/**
 * First in a new connection's pipeline, until its first byte: a TLS record puts an
 * {@link SslHandler} with the mesh's engine in its place, plain text removes it (the bytes go on to
 * the HTTP codec), and under STRICT plain text is closed unanswered. Like Netty's
 * {@code OptionalSslHandler}, with the mesh's choice.
 */
public final class MeshTlsDetector extends ByteToMessageDecoder {
  static final String NAME = "skein-mtls";

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    if (!in.isReadable()) {
      return;
    }
    MeshServerTls.Choice choice = MeshServerTls.choose(in.getUnsignedByte(in.readerIndex()), "reactor-netty");
    if (choice == MeshServerTls.Choice.PLAIN) {
      ctx.pipeline().remove(this);
      return;
    }
    SSLEngine engine = choice == MeshServerTls.Choice.TLS ? MeshServerTls.serverEngine() : null;
    if (engine != null) {
      ctx.pipeline().replace(this, NAME + "-tls", new SslHandler(engine));
      return;
    }
    in.skipBytes(in.readableBytes());
    ctx.close();
  }
}
