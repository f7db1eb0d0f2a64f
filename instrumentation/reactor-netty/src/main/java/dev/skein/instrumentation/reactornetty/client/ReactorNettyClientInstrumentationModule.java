package dev.skein.instrumentation.reactornetty.client;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.returns;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.skein.agent.spi.InstrumentationModule;
import java.util.List;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Reactor Netty {@code HttpClient} (1.2.x and 1.3.x): each request's connection asks
 * {@code HttpClientConnect.HttpClientHandler.get()} for the remote address; the advice answers
 * with the endpoint the mesh chose. Header matches see only the headers configured on the client
 * ({@code HttpClient.headers(...)}), not those a {@code send} callback adds later. A handler
 * without the fields the advice reads is outside the range and skipped with one debug line.
 */
public final class ReactorNettyClientInstrumentationModule implements InstrumentationModule {
  static final String HANDLER = "reactor.netty.http.client.HttpClientConnect$HttpClientHandler";

  static final ElementMatcher.Junction<MethodDescription> GET =
      named("get").and(takesArguments(0)).and(returns(named("java.net.SocketAddress")));

  @Override
  public String name() {
    return "reactor-netty-client";
  }

  @Override
  public List<String> typeNames() {
    return List.of(HANDLER);
  }

  @Override
  public AgentBuilder extend(AgentBuilder builder) {
    return builder
        .type(new SupportedHandler(name(), HANDLER, "Reactor Netty 1.2.x-1.3.x", "method", "defaultHeaders", "toURI"))
        .transform(
            new AgentBuilder.Transformer.ForAdvice()
                .include(getClass().getClassLoader())
                .advice(GET, RemoteAddressAdvice.class.getName()));
  }
}
