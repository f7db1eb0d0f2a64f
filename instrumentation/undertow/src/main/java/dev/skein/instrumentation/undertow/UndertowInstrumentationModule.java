package dev.skein.instrumentation.undertow;

import static net.bytebuddy.matcher.ElementMatchers.isStatic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.skein.agent.spi.HelperClasses;
import dev.skein.agent.spi.InstrumentationModule;
import dev.skein.agent.spi.Transformations;
import dev.skein.agent.spi.LibraryVersion;
import java.util.List;
import net.bytebuddy.agent.builder.AgentBuilder;

/**
 * Undertow 2.3: {@code Undertow.start} registers one endpoint per HTTP(S) listener once all are
 * bound, {@code Undertow.stop} deregisters them first. Each listener's {@code ListenerInfo} lives
 * as long as the started server, so it is the registration's identity.
 *
 * <p>Around the root {@code HttpHandler} ({@code Connectors.executeRootHandler}), which every
 * request of every listener passes, the engine's inbound decision: AuthorizationPolicy (403),
 * RateLimitPolicy (429), and the server span and {@code http.server.request.duration}, ended when
 * the exchange completes. The peer's certificates come from the connection's
 * {@code SSLSessionInfo}.
 */
public final class UndertowInstrumentationModule implements InstrumentationModule {
  static final String UNDERTOW = "io.undertow.Undertow";
  static final String CONNECTORS = "io.undertow.server.Connectors";
  static final String OPEN_LISTENER = "io.undertow.server.protocol.http.HttpOpenListener";
  private static final HelperClasses HELPERS =
      new HelperClasses("undertow", UndertowInstrumentationModule.class.getClassLoader(),
          List.of(
              UndertowInstrumentationModule.class.getPackageName() + ".inbound.UndertowInbound",
              UndertowInstrumentationModule.class.getPackageName() + ".inbound.FirstByteConduit",
              UndertowInstrumentationModule.class.getPackageName() + ".inbound.UndertowMeshTls"));

  @Override
  public String name() {
    return "undertow";
  }

  @Override
  public List<String> typeNames() {
    return List.of(UNDERTOW, CONNECTORS, OPEN_LISTENER);
  }

  @Override
  public Transformations extend(Transformations builder) {
    return builder
        .type(named(UNDERTOW))
        .and(LibraryVersion.fromProperties(name(), "io/undertow/version.properties", "undertow.version", "2.3", "2.4"))
        .transform(HELPERS.transformer())
        .transform(
            new AgentBuilder.Transformer.ForAdvice()
                .include(getClass().getClassLoader())
                .advice(named("start").and(takesArguments(0)), StartAdvice.class.getName())
                .advice(named("stop").and(takesArguments(0)), StopAdvice.class.getName()))
        // The inbound decision: every request of every listener reaches its root handler through here.
        .type(named(CONNECTORS))
        .and(LibraryVersion.fromProperties(name(), "io/undertow/version.properties", "undertow.version", "2.3", "2.4"))
        .transform(HELPERS.transformer())
        .transform(
            new AgentBuilder.Transformer.ForAdvice()
                .include(getClass().getClassLoader())
                .advice(
                    named("executeRootHandler").and(takesArguments(2)).and(isStatic()),
                    RootHandlerAdvice.class.getName()))
        // Mesh mutual TLS: each new connection of a plain-text HTTP listener, before the listener reads it.
        .type(named(OPEN_LISTENER))
        .and(LibraryVersion.fromProperties(name(), "io/undertow/version.properties", "undertow.version", "2.3", "2.4"))
        .transform(HELPERS.transformer())
        .transform(
            new AgentBuilder.Transformer.ForAdvice()
                .include(getClass().getClassLoader())
                .advice(
                    named("handleEvent").and(takesArguments(1)).and(takesArgument(0, named("org.xnio.StreamConnection"))),
                    OpenListenerTlsAdvice.class.getName()));
  }
}
