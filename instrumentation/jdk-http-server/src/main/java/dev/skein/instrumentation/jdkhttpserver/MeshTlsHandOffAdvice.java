package dev.skein.instrumentation.jdkhttpserver;

import dev.skein.bootstrap.instrumentation.jdkhttpserver.JdkServerTls;
import java.nio.channels.SocketChannel;
import net.bytebuddy.asm.Advice;

/**
 * {@code ServerImpl.Dispatcher.handle}: a new connection of a meshed server is set up (TLS
 * handshake) on the agent's threads, not the application's; {@code handle} is skipped when it was
 * taken over and called again once the connection is set up (see {@link JdkServerTls#handOff}).
 */
final class MeshTlsHandOffAdvice {
  private MeshTlsHandOffAdvice() {}

  @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class, suppress = Throwable.class)
  static boolean enter(
      @Advice.This Object dispatcher,
      @Advice.FieldValue("this$0") Object serverImpl,
      @Advice.Argument(0) SocketChannel chan,
      @Advice.Argument(1) Object connection) {
    return JdkServerTls.handOff(dispatcher, serverImpl, chan, connection);
  }
}
