package dev.skein.instrumentation.httpurlconnection;

import static net.bytebuddy.matcher.ElementMatchers.isStatic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.skein.agent.spi.InstrumentationModule;
import dev.skein.agent.spi.Transformations;
import java.util.List;
import net.bytebuddy.agent.builder.AgentBuilder;

/**
 * {@code java.net.HttpURLConnection} for {@code http:} URLs (the JDK's
 * {@code sun.net.www.protocol.http} implementation, Java 17 to 25). Every plain-HTTP connection
 * the JDK makes for it, first request, keep-alive reuse or redirect, comes from
 * {@code sun.net.www.http.HttpClient.New(URL, Proxy, int, boolean, HttpURLConnection)}, where the
 * advice swaps the URL for the chosen endpoint's. {@code https:} connections are not routed.
 *
 * <p>Telemetry: the span starts as the JDK writes the request head ({@code writeRequests}, where the
 * trace headers go in) and ends as {@code getInputStream} (which {@code getResponseCode} goes
 * through) returns or throws. Mutual TLS: the socket {@code NetworkClient.doConnect} returns to the
 * plain HTTP client is layered with the mesh's TLS when the endpoint takes it. Policies: where the
 * JDK opens the connection ({@code New}) the Route's timeout becomes the read timeout, each try
 * waits there for its endpoint slot ({@code maxRequestsPerEndpoint}), and an injected abort or a
 * refusal (breaker, bulkhead, pending overflow) is thrown, then turned by {@code getInputStream}
 * into the response the caller reads; {@code disconnect()} gives back an unread call's slots. The
 * first {@code writeRequests} of a routed call hands the Route's mirror copy to the mesh's own pool.
 * Retries: the outermost {@code getInputStream} sends the request again to another endpoint (see
 * {@code HttpUrlConnectionCalls}).
 */
public final class HttpUrlConnectionInstrumentationModule implements InstrumentationModule {
  static final String CLIENT = "sun.net.www.http.HttpClient";
  static final String CONNECTION = "sun.net.www.protocol.http.HttpURLConnection";
  static final String NETWORK_CLIENT = "sun.net.NetworkClient";

  @Override
  public String name() {
    return "http-url-connection";
  }

  @Override
  public List<String> typeNames() {
    return List.of(CLIENT, CONNECTION, NETWORK_CLIENT);
  }

  @Override
  public List<String> jdkModules() {
    return List.of("java.base");
  }

  @Override
  public List<String> jdkOpens() {
    // MessageHeader.set, for the trace headers; the connection's own members, for a retry's re-send
    // HttpClient.New, to connect a retry after a connect failure
    return List.of("java.base/sun.net.www", "java.base/sun.net.www.protocol.http", "java.base/sun.net.www.http");
  }

  @Override
  public Transformations extend(Transformations builder) {
    return builder
        .type(named(CLIENT))
        .transform(
            new AgentBuilder.Transformer.ForAdvice()
                .include(getClass().getClassLoader())
                .advice(
                    named("New")
                        .and(isStatic())
                        .and(takesArguments(5))
                        .and(takesArgument(0, named("java.net.URL")))
                        .and(takesArgument(1, named("java.net.Proxy")))
                        .and(takesArgument(4, named("sun.net.www.protocol.http.HttpURLConnection"))),
                    NewClientAdvice.class.getName()))
        .type(named(CONNECTION))
        .transform(
            new AgentBuilder.Transformer.ForAdvice()
                .include(getClass().getClassLoader())
                .advice(named("writeRequests").and(takesArguments(0)), WriteRequestsAdvice.class.getName())
                .advice(named("getInputStream").and(takesArguments(0)), GetInputStreamAdvice.class.getName())
                .advice(named("disconnect").and(takesArguments(0)), DisconnectAdvice.class.getName()))
        .type(named(NETWORK_CLIENT))
        .transform(
            new AgentBuilder.Transformer.ForAdvice()
                .include(getClass().getClassLoader())
                .advice(
                    named("doConnect").and(takesArguments(2)).and(takesArgument(0, String.class)),
                    MeshTlsSocketAdvice.class.getName()));
  }
}
