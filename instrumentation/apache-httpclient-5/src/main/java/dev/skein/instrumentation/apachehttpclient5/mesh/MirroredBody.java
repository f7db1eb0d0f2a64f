package dev.skein.instrumentation.apachehttpclient5.mesh;

import dev.skein.bootstrap.AgentFaults;
import dev.skein.bootstrap.BodyCopy;
import dev.skein.bootstrap.MeshCall;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.nio.AsyncEntityProducer;
import org.apache.hc.core5.http.nio.DataStreamChannel;

/**
 * A request body the application streams once (a producer that is not repeatable), mirrored as it
 * goes out so that a retry can send it again: every byte the connection takes is copied, up to
 * {@link MeshCall#MAX_REPLAY_BYTES}. Once the first try has sent all of it, a later try is sent
 * from the copy. A body not sent to its end (the answer came first, the try failed midway), one
 * over the bound or one with trailers cannot be replayed; one not started at all (a connect
 * failure) is sent by the application's producer, which is released only when the call is over.
 * Once the body has gone out whole (within the bound, no trailers) the copy is also handed, once,
 * to whoever wants it (a Route {@code mirror} copy), after the connection has taken the body's end.
 * A repeatable producer is only tapped for that copy ({@link #tap}): it stays the one every try
 * sends, and is released (rewound) each time as the library asks.
 * The protocol handler calls one method at a time, on the I/O thread.
 */
final class MirroredBody implements AsyncEntityProducer {
  private final AsyncEntityProducer body;
  private final BodyCopy copy = new BodyCopy();
  private final boolean tap;
  private Consumer<byte[]> whole; // null: nobody wants the whole body
  private volatile boolean started;
  private volatile boolean complete;
  private volatile boolean trailers;
  private boolean released;
  // Sending the copy (a retry); the next byte of the copy to send.
  private volatile boolean replaying;
  private int position;

  /** @param whole gets the whole body once it has gone out, or {@code null} */
  MirroredBody(AsyncEntityProducer body, Consumer<byte[]> whole) {
    this.body = body;
    this.whole = whole;
    this.tap = body.isRepeatable();
  }

  /** A repeatable producer, tapped for a copy of its first pass: null when nobody wants that copy. */
  static AsyncEntityProducer tap(AsyncEntityProducer body, Consumer<byte[]> whole) {
    return whole == null ? body : new MirroredBody(body, whole);
  }

  /** Whether a retry can send the body again (all of it was sent, or none of it). */
  boolean replayable() {
    return !started || (complete && !copy.over() && !trailers);
  }

  /** The body's length so far, for the retry decision ({@link MeshCall#body}). */
  long length() {
    return copy.length();
  }

  /** Before a try: once the body went out whole, the try sends the copy. */
  void rewind() {
    if (started && complete && !copy.over() && !trailers) {
      replaying = true;
      position = 0;
    }
  }

  /** The call is over: the application's producer is released if no try did it. */
  void close() {
    if (!released) {
      released = true;
      body.releaseResources();
    }
  }

  @Override
  public boolean isRepeatable() {
    return tap;
  }

  @Override
  public void failed(Exception cause) {
    if (!replaying) {
      body.failed(cause);
    }
  }

  @Override
  public long getContentLength() {
    return body.getContentLength();
  }

  @Override
  public String getContentType() {
    return body.getContentType();
  }

  @Override
  public String getContentEncoding() {
    return body.getContentEncoding();
  }

  @Override
  public boolean isChunked() {
    return body.isChunked();
  }

  @Override
  public Set<String> getTrailerNames() {
    return body.getTrailerNames();
  }

  @Override
  public int available() {
    return replaying ? copy.size() - position : body.available();
  }

  @Override
  public void produce(DataStreamChannel channel) throws IOException {
    if (replaying) {
      if (position < copy.size()) {
        position += channel.write(ByteBuffer.wrap(copy.bytes(), position, copy.size() - position));
      }
      if (position >= copy.size()) {
        channel.endStream();
      }
      return;
    }
    started = true;
    body.produce(tap && complete ? channel : new Recording(channel));
  }

  @Override
  public void releaseResources() {
    if (tap) {
      if (started && !complete) {
        copy.giveUp(); // a pass that did not end: the next one would add to a broken copy
      }
      body.releaseResources();
      return;
    }
    if (replaying) {
      position = 0;
    } else if (started && !released) {
      released = true; // the application's body went out (or failed): it is done with
      body.releaseResources();
    }
  }

  /** The connection's channel as the application's producer sees it: what it takes is copied. */
  private final class Recording implements DataStreamChannel {
    private final DataStreamChannel channel;

    Recording(DataStreamChannel channel) {
      this.channel = channel;
    }

    @Override
    public void requestOutput() {
      channel.requestOutput();
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
      ByteBuffer before = src.duplicate();
      int written = channel.write(src);
      if (written > 0) {
        copy.add(before.limit(before.position() + written));
      }
      return written;
    }

    @Override
    public void endStream() throws IOException {
      complete = true;
      channel.endStream();
      handOver();
    }

    @Override
    public void endStream(List<? extends Header> trailers) throws IOException {
      if (trailers != null && !trailers.isEmpty()) {
        MirroredBody.this.trailers = true; // trailers are not copied: not replayed
      }
      complete = true;
      channel.endStream(trailers);
      handOver();
    }
  }

  /** The body went out to its end: a whole copy (within the bound, no trailers) goes to its taker, once. */
  private void handOver() {
    Consumer<byte[]> taker = whole;
    whole = null;
    if (taker == null || copy.over() || trailers) {
      return;
    }
    try {
      taker.accept(Arrays.copyOf(copy.bytes(), copy.size()));
    } catch (Throwable t) {
      AgentFaults.record("apache-mirror", t); // the real body has gone: nothing to undo
    }
  }
}
