package dev.skein.instrumentation.reactornetty.webclient;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.skein.agent.spi.HelperClasses;
import dev.skein.agent.spi.InstrumentationModule;
import dev.skein.agent.spi.Transformations;
import dev.skein.agent.spi.LibraryVersion;
import java.util.List;
import net.bytebuddy.agent.builder.AgentBuilder;

/**
 * Spring WebClient on Reactor Netty (Spring Framework 6.x and 7.x): WebClient sets a request's
 * headers in Reactor Netty's {@code send} callback, which runs only once a connection is there —
 * too late for a Route's header match, which picks the endpoint before connecting. So each
 * exchange's response {@code Mono} carries the request's headers in its Reactor context, where
 * the Reactor Netty client module reads them when it routes. Everything else (retries, telemetry,
 * mTLS) is the Reactor Netty client module's.
 */
public final class WebClientInstrumentationModule implements InstrumentationModule {
  static final String EXCHANGE_FUNCTION = "org.springframework.web.reactive.function.client.ExchangeFunctions$DefaultExchangeFunction";
  private static final HelperClasses HELPERS =
      new HelperClasses("spring-webclient", WebClientInstrumentationModule.class.getClassLoader(),
          List.of("dev.skein.instrumentation.reactornetty.webclient.injected.SpringRequestHeaders"));

  @Override
  public String name() {
    return "spring-webclient";
  }

  @Override
  public List<String> typeNames() {
    return List.of(EXCHANGE_FUNCTION);
  }

  @Override
  public Transformations extend(Transformations builder) {
    return builder
        .type(named(EXCHANGE_FUNCTION))
        .and(LibraryVersion.fromManifest(
            name(), "org/springframework/web/reactive/function/client/WebClient.class", "spring-webflux", "6.0", "8"))
        .transform(HELPERS.transformer())
        .transform(
            new AgentBuilder.Transformer.ForAdvice()
                .include(getClass().getClassLoader())
                .advice(named("exchange").and(takesArguments(1)), ExchangeAdvice.class.getName()));
  }
}
