package dev.skein.instrumentation.jdkhttpserver;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.skein.agent.spi.InstrumentationModule;
import dev.skein.agent.spi.Transformations;
import java.util.List;
import net.bytebuddy.agent.builder.AgentBuilder;

/**
 * {@code com.sun.net.httpserver.HttpServer}: {@code HttpServerImpl.start} registers the server
 * as an endpoint of this service, {@code stop} removes the registration before the server stops;
 * {@code AuthFilter.doFilter} (run once per request, before the handler) is traced and measured;
 * mesh TLS is set up on new connections ({@code Dispatcher.handle}, then {@code Exchange.run}).
 */
public final class JdkHttpServerInstrumentationModule implements InstrumentationModule {
  @Override
  public String name() {
    return "jdk-http-server";
  }

  @Override
  public List<String> jdkModules() {
    return List.of("jdk.httpserver");
  }

  @Override
  public List<String> typeNames() {
    return List.of("sun.net.httpserver.HttpServerImpl", "sun.net.httpserver.AuthFilter", "sun.net.httpserver.ServerImpl$Exchange",
        "sun.net.httpserver.ServerImpl$Dispatcher");
  }

  @Override
  public List<String> jdkOpens() {
    return List.of("jdk.httpserver/sun.net.httpserver");
  }

  @Override
  public Transformations extend(Transformations builder) {
    return builder
        .type(named("sun.net.httpserver.HttpServerImpl"))
        .transform(
            new AgentBuilder.Transformer.ForAdvice()
                .include(getClass().getClassLoader())
                .advice(named("start").and(takesArguments(0)), StartAdvice.class.getName())
                .advice(named("stop").and(takesArguments(1)), StopAdvice.class.getName())
                .advice(named("start").and(takesArguments(0)), MeshTlsStartAdvice.class.getName()))
        .type(named("sun.net.httpserver.AuthFilter"))
        .transform(
            new AgentBuilder.Transformer.ForAdvice()
                .include(getClass().getClassLoader())
                .advice(named("doFilter").and(takesArguments(2)), ExchangeAdvice.class.getName()))
        .type(named("sun.net.httpserver.ServerImpl$Exchange"))
        .transform(
            new AgentBuilder.Transformer.ForAdvice()
                .include(getClass().getClassLoader())
                .advice(named("run").and(takesArguments(0)), MeshTlsConnectionAdvice.class.getName()))
        .type(named("sun.net.httpserver.ServerImpl$Dispatcher"))
        .transform(
            new AgentBuilder.Transformer.ForAdvice()
                .include(getClass().getClassLoader())
                .advice(named("handle").and(takesArguments(2)), MeshTlsHandOffAdvice.class.getName()));
  }
}
