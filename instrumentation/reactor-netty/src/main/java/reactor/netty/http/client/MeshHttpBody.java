package reactor.netty.http.client;

import dev.skein.bootstrap.AgentFaults;
import dev.skein.bootstrap.BodyCopy;
import dev.skein.bootstrap.MeshCall;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;
import reactor.netty.NettyOutbound;

/**
 * A request body written by a {@code send} callback (or a {@code Publisher} given to {@code send},
 * which Reactor Netty turns into one), mirrored as it goes out so that a retry can send it again:
 * while the callback's try runs, a handler on its connection copies the request head's headers and
 * every body byte written, up to {@link MeshCall#MAX_REPLAY_BYTES}. A later try sends the copy
 * ({@code out.send} of one buffer, its length as {@code Content-Length}) with the headers the
 * callback had set; the callback does not run again. A body not written to its end before the
 * answer (or the failure) came, or over the bound, cannot be replayed; a try whose callback never
 * ran (a connect failure) leaves the next try to run it.
 *
 * <p>Once the body has been written whole (within the bound, without trailers), the copy's send
 * callback is also handed, once, to whoever wants it (a Route {@code mirror} copy), on the
 * connection's event loop after the body's end was written.
 */
final class MeshHttpBody {
  private final BiFunction<? super HttpClientRequest, ? super NettyOutbound, ? extends Publisher<Void>> body;
  private final BodyCopy copy = new BodyCopy();
  private volatile boolean started;
  private volatile boolean complete;
  private volatile HttpHeaders head;
  private volatile Recorder recorder;
  private volatile Consumer<BiFunction<HttpClientRequest, NettyOutbound, Publisher<Void>>> whole;
  private boolean wholeNow; // the body's end was just written whole: hand it over after the write

  /** @param whole gets the copy's send callback once the body has been written whole, or {@code null} */
  MeshHttpBody(
      BiFunction<? super HttpClientRequest, ? super NettyOutbound, ? extends Publisher<Void>> body,
      Consumer<BiFunction<HttpClientRequest, NettyOutbound, Publisher<Void>>> whole) {
    this.body = body;
    this.whole = whole;
  }

  /** Whether a retry can send the body (it went out whole, or not at all). */
  boolean replayable() {
    return !started || (complete && !copy.over());
  }

  /** The body's length so far, for the retry decision. */
  long length() {
    return copy.length();
  }

  /** The try is decided: its connection stops being watched. */
  void tryOver() {
    Recorder r = recorder;
    recorder = null;
    if (r != null) {
      r.connection.removeHandler(r.name);
    }
  }

  /** The send callback of the next try: the application's, watched, until it has run; then the copy. */
  BiFunction<HttpClientRequest, NettyOutbound, Publisher<Void>> forTry() {
    return started ? this::replay : this::record;
  }

  private Publisher<Void> record(HttpClientRequest request, NettyOutbound out) {
    started = true;
    if (out instanceof Connection connection) {
      Recorder r = new Recorder(connection, "skein.body." + System.identityHashCode(this));
      recorder = r;
      connection.addHandlerFirst(r.name, r);
    } else {
      copy.giveUp(); // nothing to watch: not replayed
    }
    return body.apply(request, out);
  }

  private Publisher<Void> replay(HttpClientRequest request, NettyOutbound out) {
    HttpHeaders written = head;
    if (written != null) {
      HttpHeaders headers = request.requestHeaders();
      for (String name : written.names()) {
        // Headers the callback set; the configured ones (Host, trace context) are the try's own.
        if (!headers.contains(name)
            && !HttpHeaderNames.CONTENT_LENGTH.contentEqualsIgnoreCase(name)
            && !HttpHeaderNames.TRANSFER_ENCODING.contentEqualsIgnoreCase(name)) {
          headers.set(name, written.getAll(name));
        }
      }
    }
    return out.send(Mono.fromSupplier(() -> Unpooled.wrappedBuffer(copy.bytes(), 0, copy.size())));
  }

  private synchronized void observe(Object message) {
    if (message instanceof HttpRequest request) {
      head = request.headers().copy();
    }
    if (message instanceof ByteBufHolder holder) {
      add(holder.content());
    } else if (message instanceof ByteBuf buffer) {
      add(buffer);
    }
    if (message instanceof LastHttpContent last) {
      complete = true;
      wholeNow = whole != null && !copy.over() && last.trailingHeaders().isEmpty();
    }
  }

  /** Hands the whole body's copy over, once, if its end was just written. */
  private void handOver(ChannelHandlerContext ctx) {
    Consumer<BiFunction<HttpClientRequest, NettyOutbound, Publisher<Void>>> taker;
    synchronized (this) {
      taker = wholeNow ? whole : null;
      wholeNow = false;
      if (taker != null) {
        whole = null;
      }
    }
    if (taker == null) {
      return;
    }
    try {
      // After the task that wrote the body's end (and its flush): the copy never goes first.
      ctx.executor().execute(() -> mirror(taker));
    } catch (Throwable t) {
      AgentFaults.record("reactor-netty-mirror", t); // an event loop shutting down: no copy
    }
  }

  private void mirror(Consumer<BiFunction<HttpClientRequest, NettyOutbound, Publisher<Void>>> taker) {
    try {
      taker.accept(this::replay);
    } catch (Throwable t) {
      AgentFaults.record("reactor-netty-mirror", t);
    }
  }

  private void add(ByteBuf buffer) {
    if (buffer.isReadable()) {
      copy.add(buffer.nioBuffer(buffer.readerIndex(), buffer.readableBytes()));
    }
  }

  /** Copies what the try writes on its connection; gone once the try is decided. */
  final class Recorder extends ChannelOutboundHandlerAdapter {
    final Connection connection;
    final String name;

    Recorder(Connection connection, String name) {
      this.connection = connection;
      this.name = name;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
      if (recorder == this) {
        try {
          observe(msg);
        } catch (RuntimeException e) {
          copy.giveUp(); // whatever went wrong, this body is not replayed
        }
      }
      ctx.write(msg, promise);
      handOver(ctx);
    }
  }
}
