package dev.skein.instrumentation.reactornetty.client;

import dev.skein.bootstrap.instrumentation.reactornetty.client.ReactorNettyClientRouting;
import java.net.SocketAddress;
import net.bytebuddy.asm.Advice;

/**
 * Replaces the address {@code HttpClientConnect.HttpClientHandler.get()} gives the connection
 * provider (once per connection acquisition, on the subscribing thread) with the endpoint the
 * mesh chose. The request URI is left as it is, so the {@code Host} header still names the
 * service, and the pool keys on the endpoint.
 *
 * <p>Fields are read as {@code Object}: the agent jar relocates Netty's packages, so advice must
 * not name a Netty type.
 */
final class RemoteAddressAdvice {
  private RemoteAddressAdvice() {}

  @Advice.OnMethodExit(suppress = Throwable.class)
  static void exit(
      @Advice.Return(readOnly = false) SocketAddress address,
      @Advice.FieldValue("method") Object method,
      @Advice.FieldValue("defaultHeaders") Object headers,
      @Advice.FieldValue("toURI") Object uri) {
    SocketAddress target = ReactorNettyClientRouting.target(address, method, headers, uri);
    if (target != null) {
      address = target;
    }
  }
}
