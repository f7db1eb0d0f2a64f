package dev.skein.instrumentation.httpurlconnection;

import static net.bytebuddy.matcher.ElementMatchers.isStatic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.skein.agent.spi.InstrumentationModule;
import java.util.List;
import net.bytebuddy.agent.builder.AgentBuilder;

/**
 * {@code java.net.HttpURLConnection} for {@code http:} URLs (the JDK's
 * {@code sun.net.www.protocol.http} implementation, Java 17 to 25). Every plain-HTTP connection
 * the JDK makes for it, first request, keep-alive reuse or redirect, comes from
 * {@code sun.net.www.http.HttpClient.New(URL, Proxy, int, boolean, HttpURLConnection)}, where the
 * advice swaps the URL for the chosen endpoint's. {@code https:} connections are not routed.
 */
public final class HttpUrlConnectionInstrumentationModule implements InstrumentationModule {
  static final String CLIENT = "sun.net.www.http.HttpClient";

  @Override
  public String name() {
    return "http-url-connection";
  }

  @Override
  public List<String> typeNames() {
    return List.of(CLIENT);
  }

  @Override
  public List<String> jdkModules() {
    return List.of("java.base");
  }

  @Override
  public AgentBuilder extend(AgentBuilder builder) {
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
                    NewClientAdvice.class.getName()));
  }
}
