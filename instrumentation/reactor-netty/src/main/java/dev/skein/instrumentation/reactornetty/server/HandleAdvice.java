package dev.skein.instrumentation.reactornetty.server;

import dev.skein.instrumentation.reactornetty.server.inbound.ReactorNettyInbound;
import java.util.function.BiFunction;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.implementation.bytecode.assign.Assigner;

/**
 * Before {@code HttpServer.handle(handler)} (also behind {@code route}): the application's handler
 * is wrapped so that the engine decides on every request before it runs.
 */
final class HandleAdvice {
  private HandleAdvice() {}

  @Advice.OnMethodEnter(suppress = Throwable.class)
  @SuppressWarnings({"unchecked", "rawtypes"})
  static void enter(@Advice.Argument(value = 0, readOnly = false, typing = Assigner.Typing.DYNAMIC) BiFunction handler) {
    handler = ReactorNettyInbound.wrap(handler);
  }
}
