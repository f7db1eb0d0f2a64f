package dev.skein.instrumentation.reactornetty.client;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.returns;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.skein.agent.spi.HelperClasses;
import dev.skein.agent.spi.InstrumentationModule;
import dev.skein.agent.spi.Transformations;
import dev.skein.agent.spi.LibraryVersion;
import java.util.List;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Reactor Netty {@code HttpClient} (1.2.x and 1.3.x): each request's connection asks
 * {@code HttpClientConnect.HttpClientHandler.get()} for the remote address; the advice answers
 * with the endpoint the mesh chose. Header matches see the headers configured on the client
 * ({@code HttpClient.headers(...)}) and, for Spring WebClient, the request's (see the webclient
 * module), but not those any other {@code send} callback adds later. A handler
 * without the fields the advice reads is outside the range and skipped with one debug line.
 *
 * <p>Each subscription of {@code HttpClientConnect.MonoHttpConnect} (every request, whatever the
 * response API: {@code response}, {@code responseSingle}, {@code responseContent}...) to a mesh
 * service runs through the shared client call path (faults, timeouts, breaker, bulkhead, retries,
 * client and attempt spans, metrics, trace context, the mesh's TLS): see {@code MeshHttpConnect}.
 * A request the helpers cannot take (websocket, a relative URL) keeps the address routing above.
 */
public final class ReactorNettyClientInstrumentationModule implements InstrumentationModule {
  static final String HANDLER = "reactor.netty.http.client.HttpClientConnect$HttpClientHandler";
  static final String MONO_HTTP_CONNECT = "reactor.netty.http.client.HttpClientConnect$MonoHttpConnect";
  private static final String HELPER_PACKAGE = "reactor.netty.http.client.";
  private static final HelperClasses HELPERS =
      new HelperClasses("reactor-netty-client", ReactorNettyClientInstrumentationModule.class.getClassLoader(),
          List.of(
              HELPER_PACKAGE + "MeshHttpTls",
              HELPER_PACKAGE + "MeshHttpResponses",
              HELPER_PACKAGE + "MeshHttpBody$Recorder",
              HELPER_PACKAGE + "MeshHttpBody",
              HELPER_PACKAGE + "MeshHttpTries$DeadlineExceeded",
              HELPER_PACKAGE + "MeshHttpTries$TrySubscriber",
              HELPER_PACKAGE + "MeshHttpTries",
              HELPER_PACKAGE + "MeshHttpConnect$Delivery",
              HELPER_PACKAGE + "MeshHttpConnect"));

  static final ElementMatcher.Junction<MethodDescription> GET =
      named("get").and(takesArguments(0)).and(returns(named("java.net.SocketAddress")));

  @Override
  public String name() {
    return "reactor-netty-client";
  }

  @Override
  public List<String> typeNames() {
    return List.of(HANDLER, MONO_HTTP_CONNECT);
  }

  @Override
  public Transformations extend(Transformations builder) {
    return builder
        .type(new SupportedHandler(name(), HANDLER, "Reactor Netty 1.2.x-1.3.x", "method", "defaultHeaders", "toURI"))
        .transform(
            new AgentBuilder.Transformer.ForAdvice()
                .include(getClass().getClassLoader())
                .advice(GET, RemoteAddressAdvice.class.getName()))
        .type(named(MONO_HTTP_CONNECT))
        .and(LibraryVersion.fromManifest(name(), "reactor/netty/http/client/HttpClient.class", "reactor-netty-http", "1.2", "1.4"))
        .transform(HELPERS.transformer())
        .transform(
            new AgentBuilder.Transformer.ForAdvice()
                .include(getClass().getClassLoader())
                .advice(named("subscribe").and(takesArguments(1)), ConnectSubscribeAdvice.class.getName()));
  }
}
