package dev.skein.instrumentation.undertow;

import dev.skein.bootstrap.Bridge;
import io.undertow.Undertow;
import java.net.InetSocketAddress;
import net.bytebuddy.asm.Advice;

/**
 * After {@code Undertow.start} returns every listener is bound; {@code ListenerInfo.getAddress()}
 * is the real bound address, also for port 0. AJP listeners are not HTTP endpoints: skipped.
 */
final class StartAdvice {
  private StartAdvice() {}

  @Advice.OnMethodExit(suppress = Throwable.class)
  static void exit(@Advice.This Undertow server) {
    dev.skein.instrumentation.undertow.inbound.UndertowMeshTls.started(server);
    for (Undertow.ListenerInfo listener : server.getListenerInfo()) {
      String protocol = listener.getProtcol();
      if (listener.getAddress() instanceof InetSocketAddress && ("http".equals(protocol) || "https".equals(protocol))) {
        Bridge.serverStarted(listener, protocol, (InetSocketAddress) listener.getAddress());
      }
    }
  }
}
