package dev.skein.instrumentation.undertow.inbound;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.xnio.conduits.AbstractStreamSourceConduit;
import org.xnio.conduits.StreamSourceConduit;

/**
 * A connection's source with the one byte already read off it in front: the first read gets it
 * first. (The rest of a TLS ClientHello follows it on the wire, so readiness still comes from the
 * socket.)
 */
final class FirstByteConduit extends AbstractStreamSourceConduit<StreamSourceConduit> {
  private int first;

  FirstByteConduit(StreamSourceConduit next, byte first) {
    super(next);
    this.first = first & 0xff;
  }

  @Override
  public int read(ByteBuffer dst) throws IOException {
    if (first < 0 || !dst.hasRemaining()) {
      return next.read(dst);
    }
    dst.put((byte) first);
    first = -1;
    int more = dst.hasRemaining() ? next.read(dst) : 0;
    return more > 0 ? more + 1 : 1;
  }

  @Override
  public long read(ByteBuffer[] dsts, int offs, int len) throws IOException {
    if (first >= 0) {
      for (int i = offs; i < offs + len; i++) {
        if (dsts[i].hasRemaining()) {
          return read(dsts[i]);
        }
      }
    }
    return next.read(dsts, offs, len);
  }
}
