package dev.skein.instrumentation.jdkhttpserver;

import dev.skein.bootstrap.instrumentation.jdkhttpserver.JdkServerTls;
import java.nio.channels.SocketChannel;
import net.bytebuddy.asm.Advice;

/** Before {@code ServerImpl.Exchange.run} reads a new connection: TLS or plain text (see {@link JdkServerTls}). */
final class MeshTlsConnectionAdvice {
  private MeshTlsConnectionAdvice() {}

  @Advice.OnMethodEnter(suppress = Throwable.class)
  static void enter(
      @Advice.FieldValue("this$0") Object serverImpl,
      @Advice.FieldValue("connection") Object connection,
      @Advice.FieldValue("chan") SocketChannel chan,
      @Advice.FieldValue("protocol") String protocol) {
    JdkServerTls.exchange(serverImpl, connection, chan, protocol);
  }
}
