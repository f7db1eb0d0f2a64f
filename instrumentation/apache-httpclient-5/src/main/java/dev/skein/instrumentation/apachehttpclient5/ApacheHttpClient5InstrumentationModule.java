package dev.skein.instrumentation.apachehttpclient5;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.skein.agent.spi.InstrumentationModule;
import dev.skein.agent.spi.Transformations;
import java.util.List;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Apache HttpClient 5, classic and async ({@code HttpClients.custom()/createDefault()} and
 * {@code HttpAsyncClients...}): both clients plan each request's connection in
 * {@code determineRoute(HttpHost, HttpRequest, context)}, where the advice swaps the target for
 * the endpoint the mesh chose. That three-argument method marks the supported range (5.6 is
 * tested; 5.1 has no request argument there and is skipped with one debug line). The minimal clients
 * ({@code HttpClients.createMinimal()}) have no route planning and are not routed. Clients built by
 * {@code HttpClientBuilder} or {@code HttpAsyncClientBuilder} also get the mesh's exec interceptor
 * (faults, timeouts, breaker, retries). A routed request to an endpoint that takes the mesh's TLS goes
 * out as {@code https}, and {@code AbstractClientTlsStrategy} (the default TLS of both clients)
 * hands that connection the mesh's TLS.
 */
public final class ApacheHttpClient5InstrumentationModule implements InstrumentationModule {
  static final String CLASSIC = "org.apache.hc.client5.http.impl.classic.InternalHttpClient";
  static final String ASYNC = "org.apache.hc.client5.http.impl.async.InternalHttpAsyncClient";
  static final String CLASSIC_BUILDER = "org.apache.hc.client5.http.impl.classic.HttpClientBuilder";
  static final String ASYNC_BUILDER = "org.apache.hc.client5.http.impl.async.HttpAsyncClientBuilder";
  static final String TLS_STRATEGY = "org.apache.hc.client5.http.ssl.AbstractClientTlsStrategy";

  /** The classic client's TLS over a connected socket (5.4+). */
  static final ElementMatcher.Junction<MethodDescription> SOCKET_UPGRADE =
      named("upgrade").and(takesArguments(5)).and(takesArgument(0, named("java.net.Socket"))).and(takesArgument(1, String.class));

  /** The async client's TLS on an I/O session. */
  static final ElementMatcher.Junction<MethodDescription> SESSION_UPGRADE =
      named("upgrade")
          .and(takesArguments(5))
          .and(takesArgument(0, named("org.apache.hc.core5.reactor.ssl.TransportSecurityLayer")))
          .and(takesArgument(1, named("org.apache.hc.core5.net.NamedEndpoint")));

  static final ElementMatcher.Junction<MethodDescription> DETERMINE_ROUTE =
      named("determineRoute")
          .and(takesArguments(3))
          .and(takesArgument(0, named("org.apache.hc.core5.http.HttpHost")))
          .and(takesArgument(1, named("org.apache.hc.core5.http.HttpRequest")));

  @Override
  public String name() {
    return "apache-httpclient-5";
  }

  @Override
  public List<String> typeNames() {
    return List.of(CLASSIC, ASYNC, CLASSIC_BUILDER, ASYNC_BUILDER, TLS_STRATEGY);
  }

  @Override
  public Transformations extend(Transformations builder) {
    return builder
        .type(new DeclaresMethod(name(), List.of(CLASSIC, ASYNC), DETERMINE_ROUTE, "HttpClient 5.x with determineRoute(HttpHost, HttpRequest, context)"))
        .transform(
            new AgentBuilder.Transformer.ForAdvice()
                .include(getClass().getClassLoader())
                .advice(DETERMINE_ROUTE, DetermineRouteAdvice.class.getName()))
        .type(named(CLASSIC_BUILDER))
        .transform(HelperInjector.TRANSFORMER)
        .transform(
            new AgentBuilder.Transformer.ForAdvice()
                .include(getClass().getClassLoader())
                .advice(named("build").and(takesArguments(0)), BuildAdvice.class.getName()))
        .type(named(ASYNC_BUILDER))
        .transform(HelperInjector.TRANSFORMER)
        .transform(
            new AgentBuilder.Transformer.ForAdvice()
                .include(getClass().getClassLoader())
                .advice(named("build").and(takesArguments(0)), AsyncBuildAdvice.class.getName()))
        // Mesh mTLS: a connection to an endpoint that takes it gets the mesh's TLS, not the strategy's.
        .type(named(TLS_STRATEGY))
        .transform(HelperInjector.TRANSFORMER)
        .transform(
            new AgentBuilder.Transformer.ForAdvice()
                .include(getClass().getClassLoader())
                .advice(SOCKET_UPGRADE, MeshTlsSocketAdvice.class.getName())
                .advice(SESSION_UPGRADE, MeshTlsSessionAdvice.class.getName()));
  }
}
