package dev.skein.instrumentation.jdkhttpclient;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.skein.agent.spi.InstrumentationModule;
import dev.skein.agent.spi.Transformations;
import dev.skein.bootstrap.instrumentation.jdkhttpclient.JdkHttpClientRouting;
import java.util.List;
import net.bytebuddy.agent.builder.AgentBuilder;

/**
 * {@code java.net.http.HttpClient}, sync and async: both {@code send} and the public
 * {@code sendAsync} overloads end in the private four-argument {@code sendAsync} of
 * {@code HttpClientImpl} (Java 11 to 25), so one advice there sees every request once.
 */
public final class JdkHttpClientInstrumentationModule implements InstrumentationModule {
  @Override
  public String name() {
    return "jdk-http-client";
  }

  @Override
  public List<String> jdkModules() {
    return List.of("java.net.http");
  }

  @Override
  public List<String> typeNames() {
    return List.of("jdk.internal.net.http.HttpClientImpl");
  }

  @Override
  public Transformations extend(Transformations builder) {
    JdkHttpClientRouting.install(new JdkHttpClientCalls());
    return builder
        .type(named("jdk.internal.net.http.HttpClientImpl"))
        .transform(
            new AgentBuilder.Transformer.ForAdvice()
                .include(getClass().getClassLoader())
                .advice(named("sendAsync").and(takesArguments(4)), SendAsyncAdvice.class.getName()));
  }
}
