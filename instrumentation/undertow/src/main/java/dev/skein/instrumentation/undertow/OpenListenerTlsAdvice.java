package dev.skein.instrumentation.undertow;

import dev.skein.instrumentation.undertow.inbound.UndertowMeshTls;
import net.bytebuddy.asm.Advice;
import org.xnio.StreamConnection;

/** Before {@code HttpOpenListener.handleEvent(connection)}: TLS or plain text (see {@link UndertowMeshTls}). */
final class OpenListenerTlsAdvice {
  private OpenListenerTlsAdvice() {}

  /** @return {@code true} when the mesh took the connection over: the listener's own handling is skipped */
  @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class, suppress = Throwable.class)
  static boolean enter(@Advice.This Object listener, @Advice.Argument(0) StreamConnection connection) {
    return UndertowMeshTls.accepted(listener, connection);
  }
}
