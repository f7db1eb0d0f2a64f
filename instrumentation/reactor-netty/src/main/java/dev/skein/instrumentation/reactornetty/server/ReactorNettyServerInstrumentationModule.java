package dev.skein.instrumentation.reactornetty.server;

import static net.bytebuddy.matcher.ElementMatchers.isBridge;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.skein.agent.spi.HelperClasses;
import dev.skein.agent.spi.InstrumentationModule;
import dev.skein.agent.spi.Transformations;
import dev.skein.agent.spi.LibraryVersion;
import java.util.List;
import net.bytebuddy.agent.builder.AgentBuilder;

/**
 * Reactor Netty 1.2 and 1.3 {@code HttpServer}: every bind ({@code bind()}, {@code bindNow()},
 * {@code bindUntilJavaShutdown}) ends in {@code ServerTransport.DisposableBind}, which receives
 * the bound channel in {@code onNext} and is the {@code DisposableServer} the application holds.
 * So the bind registers its endpoint there, and {@code dispose()} (also behind
 * {@code disposeNow}) deregisters it. Plain {@code TcpServer} binds are not HTTP and are skipped.
 *
 * <p>{@code HttpServer.handle(handler)} (which {@code route} calls too) gets the application's
 * handler wrapped: the engine's inbound decision (AuthorizationPolicy 403, RateLimitPolicy 429)
 * before it runs, and the server span and {@code http.server.request.duration} until its publisher
 * terminates.
 *
 * <p>Mesh mutual TLS: each new connection of a plain-text HTTP server gets a first-byte detector
 * first in its pipeline (see {@code ReactorNettyMeshTls}): an {@code SslHandler} with the mesh's
 * engine for TLS, where the inbound decision finds the peer's certificates.
 */
public final class ReactorNettyServerInstrumentationModule implements InstrumentationModule {
  static final String DISPOSABLE_BIND = "reactor.netty.transport.ServerTransport$DisposableBind";
  static final String HTTP_SERVER = "reactor.netty.http.server.HttpServer";
  static final String CHANNEL_INITIALIZER = "reactor.netty.http.server.HttpServerConfig$HttpServerChannelInitializer";
  private static final HelperClasses HELPERS =
      new HelperClasses("reactor-netty-server", ReactorNettyServerInstrumentationModule.class.getClassLoader(),
          List.of(
              ReactorNettyServerInstrumentationModule.class.getPackageName() + ".inbound.ReactorNettyInbound",
              ReactorNettyServerInstrumentationModule.class.getPackageName() + ".inbound.MeshTlsDetector",
              ReactorNettyServerInstrumentationModule.class.getPackageName() + ".inbound.ReactorNettyMeshTls"));

  @Override
  public String name() {
    return "reactor-netty-server";
  }

  @Override
  public List<String> typeNames() {
    return List.of(DISPOSABLE_BIND, HTTP_SERVER, CHANNEL_INITIALIZER);
  }

  @Override
  public Transformations extend(Transformations builder) {
    return builder
        .type(named(DISPOSABLE_BIND))
        .and(LibraryVersion.fromManifest(
            name(), "reactor/netty/transport/ServerTransport.class", "reactor-netty-core", "1.2", "1.4"))
        .transform(HELPERS.transformer())
        .transform(
            new AgentBuilder.Transformer.ForAdvice()
                .include(getClass().getClassLoader())
                .advice(named("onNext").and(takesArguments(1)).and(not(isBridge())), BoundAdvice.class.getName())
                .advice(named("dispose").and(takesArguments(0)), DisposeAdvice.class.getName()))
        // The inbound decision: the application's handler is wrapped when the server is configured.
        .type(named(HTTP_SERVER))
        .and(LibraryVersion.fromManifest(
            name(), "reactor/netty/transport/ServerTransport.class", "reactor-netty-core", "1.2", "1.4"))
        .transform(HELPERS.transformer())
        .transform(
            new AgentBuilder.Transformer.ForAdvice()
                .include(getClass().getClassLoader())
                .advice(named("handle").and(takesArguments(1)), HandleAdvice.class.getName()))
        // Mesh mutual TLS: each new connection of a plain-text server, once its pipeline is set up.
        .type(named(CHANNEL_INITIALIZER))
        .and(LibraryVersion.fromManifest(
            name(), "reactor/netty/transport/ServerTransport.class", "reactor-netty-core", "1.2", "1.4"))
        .transform(HELPERS.transformer())
        .transform(
            new AgentBuilder.Transformer.ForAdvice()
                .include(getClass().getClassLoader())
                .advice(named("onChannelInit").and(takesArguments(3)), ChannelInitTlsAdvice.class.getName()));
  }
}
