package dev.skein.bootstrap.instrumentation.jdkhttpserver;

import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Streams of a mesh TLS connection whose {@code close()} never throws a runtime exception. The JDK
 * server's idle timer closes kept-alive connections while their channel is in non-blocking mode,
 * where the {@code SSLSocket}'s close_notify cannot be written ({@code IllegalBlockingModeException});
 * uncaught, that would end the server's timer thread. The connection's channel is closed right after.
 */
final class QuietClose {
  private QuietClose() {}

  static InputStream of(InputStream in) {
    return new FilterInputStream(in) {
      @Override
      public void close() throws IOException {
        try {
          super.close();
        } catch (RuntimeException e) {
          // non-blocking channel: no close_notify; the channel is closed next
        }
      }
    };
  }

  static OutputStream of(OutputStream out) {
    return new FilterOutputStream(out) {
      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
      }

      @Override
      public void close() throws IOException {
        try {
          super.close();
        } catch (RuntimeException e) {
          // as above
        }
      }
    };
  }
}
