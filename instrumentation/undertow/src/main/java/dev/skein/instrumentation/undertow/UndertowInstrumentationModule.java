package dev.skein.instrumentation.undertow;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.skein.agent.spi.InstrumentationModule;
import dev.skein.agent.spi.LibraryVersion;
import java.util.List;
import net.bytebuddy.agent.builder.AgentBuilder;

/**
 * Undertow 2.3: {@code Undertow.start} registers one endpoint per HTTP(S) listener once all are
 * bound, {@code Undertow.stop} deregisters them first. Each listener's {@code ListenerInfo} lives
 * as long as the started server, so it is the registration's identity.
 *
 * <p>Per-request server policy (authorization, rate limit) belongs around the root
 * {@code HttpHandler} ({@code Undertow.Builder.setHandler}, or {@code Connectors.executeRootHandler}):
 * every request of every listener passes there.
 */
public final class UndertowInstrumentationModule implements InstrumentationModule {
  static final String UNDERTOW = "io.undertow.Undertow";

  @Override
  public String name() {
    return "undertow";
  }

  @Override
  public List<String> typeNames() {
    return List.of(UNDERTOW);
  }

  @Override
  public AgentBuilder extend(AgentBuilder builder) {
    return builder
        .type(named(UNDERTOW))
        .and(LibraryVersion.fromProperties(name(), "io/undertow/version.properties", "undertow.version", "2.3", "2.4"))
        .transform(
            new AgentBuilder.Transformer.ForAdvice()
                .include(getClass().getClassLoader())
                .advice(named("start").and(takesArguments(0)), StartAdvice.class.getName())
                .advice(named("stop").and(takesArguments(0)), StopAdvice.class.getName()));
  }
}
