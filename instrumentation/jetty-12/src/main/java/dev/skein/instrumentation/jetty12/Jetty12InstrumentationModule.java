package dev.skein.instrumentation.jetty12;

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
 * Jetty 12 (core handlers and every {@code eeN} servlet environment alike, since both listen
 * through {@code ServerConnector}): a connector registers its endpoint once it has started on its
 * bound port and deregisters before it stops. One registration per connector, so per port.
 *
 * <p>{@code Server.handle(Request, Response, Callback)}, which every request of every connector and
 * environment passes first, asks the engine's inbound decision: AuthorizationPolicy (403),
 * RateLimitPolicy (429), and the server span and {@code http.server.request.duration}, ended when
 * Jetty completes the request. The peer's certificates come from the TLS endpoint's
 * {@code SslSessionData}.
 *
 * <p>Mesh mutual TLS: before a plain-text connector starts, Jetty's own detector (TLS or plain text
 * on one connector) goes first in its factories, with the mesh's TLS (see {@code JettyMeshTls}).
 */
public final class Jetty12InstrumentationModule implements InstrumentationModule {
  static final String CONNECTOR = "org.eclipse.jetty.server.ServerConnector";
  static final String SERVER = "org.eclipse.jetty.server.Server";
  private static final HelperClasses HELPERS =
      new HelperClasses("jetty-12", Jetty12InstrumentationModule.class.getClassLoader(),
          List.of(
              Jetty12InstrumentationModule.class.getPackageName() + ".inbound.JettyInbound",
              Jetty12InstrumentationModule.class.getPackageName() + ".inbound.MeshDetectorConnectionFactory",
              Jetty12InstrumentationModule.class.getPackageName() + ".inbound.JettyMeshTls"));

  @Override
  public String name() {
    return "jetty-12";
  }

  @Override
  public List<String> typeNames() {
    return List.of(CONNECTOR, SERVER);
  }

  @Override
  public Transformations extend(Transformations builder) {
    return builder
        .type(named(CONNECTOR))
        .and(LibraryVersion.fromProperties(
            name(), "META-INF/maven/org.eclipse.jetty/jetty-server/pom.properties", "version", "12.0", "13"))
        .transform(HELPERS.transformer())
        .transform(
            new AgentBuilder.Transformer.ForAdvice()
                .include(getClass().getClassLoader())
                .advice(named("doStart").and(takesArguments(0)), ConnectorStartAdvice.class.getName())
                .advice(named("doStop").and(takesArguments(0)), ConnectorStopAdvice.class.getName()))
        // The inbound decision: every request of every connector and environment passes here first.
        .type(named(SERVER))
        .and(LibraryVersion.fromProperties(
            name(), "META-INF/maven/org.eclipse.jetty/jetty-server/pom.properties", "version", "12.0", "13"))
        .transform(HELPERS.transformer())
        .transform(
            new AgentBuilder.Transformer.ForAdvice()
                .include(getClass().getClassLoader())
                .advice(
                    named("handle").and(takesArguments(3)).and(takesArgument(0, named("org.eclipse.jetty.server.Request"))),
                    ServerHandleAdvice.class.getName())
                .advice(named("doStart").and(takesArguments(0)), ServerStartTlsAdvice.class.getName()));
  }
}
