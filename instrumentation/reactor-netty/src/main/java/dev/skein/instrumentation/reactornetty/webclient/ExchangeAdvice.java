package dev.skein.instrumentation.reactornetty.webclient;

import dev.skein.instrumentation.reactornetty.webclient.injected.SpringRequestHeaders;
import net.bytebuddy.asm.Advice;
import org.springframework.web.reactive.function.client.ClientRequest;
import org.springframework.web.reactive.function.client.ClientResponse;
import reactor.core.publisher.Mono;
import reactor.util.context.Context;

/**
 * After {@code DefaultExchangeFunction.exchange(ClientRequest)}: the response {@code Mono} gets
 * the request's headers in its context (read by the Reactor Netty client module's routing). A
 * fault leaves the {@code Mono} as it was.
 */
final class ExchangeAdvice {
  private ExchangeAdvice() {}

  @Advice.OnMethodExit(suppress = Throwable.class)
  static void exit(@Advice.Argument(0) ClientRequest request, @Advice.Return(readOnly = false) Mono<ClientResponse> response) {
    if (response != null && request != null) {
      response = response.contextWrite(Context.of(SpringRequestHeaders.CONTEXT_KEY, new SpringRequestHeaders(request.headers())));
    }
  }
}
